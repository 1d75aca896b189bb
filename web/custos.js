// custos.js - progressive enhancement only: every page works without it.
'use strict';
// Ask before destructive form posts (buttons with data-confirm).
document.addEventListener('submit', (ev) => {
  const b = ev.submitter;
  const q = (b && b.dataset.confirm) || ev.target.dataset.confirm;
  if (q && !window.confirm(q)) ev.preventDefault();
});
// "/" focuses the search box of a list, as in many web applications.
document.addEventListener('keydown', (ev) => {
  if (ev.key !== '/' || ev.target.closest('input, textarea, select')) return;
  const q = document.querySelector('form[role=search] input[name=q]');
  if (q) { ev.preventDefault(); q.focus(); }
});
// After a failed submit, take keyboard and screen-reader users to the list of errors.
const problems = document.querySelector('form.record [aria-invalid=true]') && document.querySelector('main [role=alert]');
if (problems) problems.focus();
