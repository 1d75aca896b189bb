// pickers.test.mjs - no page offers what its user may not read: for every account of the demo
// organisation (every role; staff and heads in two departments; accounts linked to nobody),
// every web page the router serves (`custos routes`: the lists with their filters, the new and
// edit forms and record pages with their step forms of every register, and the special pages
// such as /documents/upload, /report and /admin/users/{id}) is fetched, and every drop-down of
// references on it must offer a subset of what GET /api/v1/{referenced register} lists for
// that account (issue 14 item 10). Pages, registers and references come from the running
// code's declarations, so new registers and pages are covered with no change here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoOrganisationOrStop, declarations, truth, inScope, pool } from './authz_lib.mjs';
import { cli } from './harness.mjs';

// Pages known to offer more than the user may read, per route and account -> the reason; such
// a subtest runs as todo. Empty while every drop-down holds.
const KNOWN = {};

const REGS = declarations();
const BY_PLURAL = Object.fromEntries(REGS.map((e) => [e.plural, e]));
const BY_NAME = Object.fromEntries(REGS.map((e) => [e.name, e]));
// The web pages that answer GET: not the API, static files, downloads or the public sign-in.
const PAGES = cli(['routes']).stdout.trim().split('\n').map((l) => l.split(/\s+/))
  .filter(([m, p, auth]) => m === 'GET' && auth === 'auth' && !p.startsWith('/api/') && !p.includes('{format}') &&
    !p.includes('{file}'))
  .map(([, p]) => p);

let org;
const T = {};
const lists = new Map(); // `${account} ${plural}` -> Promise of the ids the API lists, or null (403)
let pagesSeen = 0, selectsSeen = 0;

before(async () => {
  org = await demoOrganisationOrStop();
  for (const e of REGS) T[e.plural] = truth(org, e.plural);
});

after(async () => {
  if (!org) return;
  try { await org.server.stop(); } finally { org.server.cleanup(); }
});

// What the API lists of a register for an account (every page), or null when it may not list.
function apiIds(a, plural) {
  const key = `${a.key} ${plural}`;
  if (!lists.has(key)) {
    lists.set(key, (async () => {
      const r = await a.get(`/api/v1/${plural}/export?format=json`);
      if (r.status === 403) return null;
      assert.equal(r.status, 200, `${key}: ${r.text}`);
      return new Set(r.json.items.map((x) => x.id));
    })());
  }
  return lists.get(key);
}

// The register a drop-down named `name` refers to: the page's register's field of that name,
// else the one register every field of that name refers to.
function refOf(page, name) {
  const own = page && BY_PLURAL[page]?.fields.find((f) => f.name === name);
  if (own) return own.ref ? BY_NAME[own.ref].plural : null;
  const targets = new Set(REGS.flatMap((e) => e.fields.filter((f) => f.name === name && f.ref).map((f) => f.ref)));
  return targets.size === 1 ? BY_NAME[[...targets][0]].plural : null;
}

// The drop-downs of a page: name -> the options ({value, label, selected}), the empty choice
// left out.
function selects(html) {
  return [...html.matchAll(/<select\b[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)].map((m) => ({
    name: m[1],
    options: [...m[2].matchAll(/<option\b[^>]*\bvalue="([^"]*)"([^>]*)>([^<]*)<\/option>/g)]
      .map((o) => ({ value: o[1], selected: /\bselected\b/.test(o[2]), label: o[3] })).filter((o) => o.value !== ''),
  }));
}

const perm = (a, plural) => org.perms[a.role][plural];
const readable = (a, plural, row) => inScope(perm(a, plural).read, a, row);

// The concrete paths of a route pattern for an account: each register for {entity}, and for
// {id} the records whose pages differ (an editable one for edit forms; one in each workflow
// state for record pages, whose step forms depend on the state).
function paths(a, pattern) {
  const m = pattern.match(/^\/([a-z_]+)\//);
  const fixed = m && BY_PLURAL[m[1]] ? m[1] : null;
  const plurals = pattern.includes('{entity}') ? REGS.map((e) => e.plural) : [fixed];
  const out = [];
  for (const plural of plurals) {
    const base = pattern.replace('{entity}', plural);
    if (!base.includes('{id}')) { out.push({ path: base, plural }); continue; }
    if (!plural) {
      // a page about something that is not a register (an account): the first few ids
      for (const id of [1, 2]) out.push({ path: base.replace('{id}', id), plural: null });
      continue;
    }
    const rows = T[plural].filter((r) => readable(a, plural, r));
    const e = BY_PLURAL[plural];
    let chosen;
    if (base.endsWith('/edit')) {
      const p = perm(a, plural);
      chosen = rows.filter((r) => inScope(p.update, a, r) && !e.frozen_states.includes(r.state)).slice(0, 1);
    } else {
      const states = new Map();
      for (const r of rows) if (!states.has(r.state)) states.set(r.state, r);
      chosen = [...states.values()];
    }
    for (const r of chosen) out.push({ path: base.replace('{id}', r.id), plural });
  }
  return out;
}

for (const pattern of PAGES) {
  test(`GET ${pattern}: every drop-down of references offers only what the API lists for the user`, async (t) => {
    for (const a of Object.values(org.accounts)) {
      const todo = KNOWN[`${pattern} ${a.key}`];
      await t.test(a.key, todo ? { todo } : {}, async () => {
        const bad = [];
        await pool(paths(a, pattern).map(({ path, plural }) => async () => {
          const r = await a.get(path);
          pagesSeen++;
          if (r.status >= 500) bad.push(`${path}: ${r.status}`);
          if (r.status !== 200 || !(r.headers.get('content-type') || '').startsWith('text/html')) return;
          for (const s of selects(r.text)) {
            const ref = refOf(plural, s.name);
            if (!ref) continue; // a choice list, not references
            selectsSeen++;
            const may = await apiIds(a, ref);
            // a stored value the user may not read stays selectable on its record's form, so
            // that saving keeps it, named by its number only (ui_ref_label): nothing beyond
            // what the record's own field says
            const extra = s.options.filter((o) => (!may || !may.has(Number(o.value))) &&
              !(o.selected && o.label === `#${o.value}`));
            if (extra.length) {
              bad.push(`${path} <select name="${s.name}"> offers ${extra.length} of ${s.options.length} ${ref} ` +
                `the API does not list for ${a.key} (${may ? may.size : 'none'} listed): ` +
                extra.slice(0, 8).map((o) => `${o.value} "${o.label}"`).join(', '));
            }
          }
        }), 6);
        assert.deepEqual(bad, []);
      });
    }
  });
}

test('the pages were walked', () => {
  assert.ok(PAGES.length > 20, `${PAGES.length} page routes`);
  assert.ok(selectsSeen > 100, `${selectsSeen} drop-downs of references checked`);
  console.log(`# pickers: ${pagesSeen} pages, ${selectsSeen} drop-downs of references, ${Object.keys(org.accounts).length} accounts`);
});
