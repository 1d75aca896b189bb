// review_fixes.test.mjs - what a review of documents and incidents found, kept fixed: the
// Support Team cannot weaken an escalated incident, a personal-data deadline stays, a report's
// attachment is kept, notes are the writer's and within the incident's life, the trust page
// shows neither approvers' sign-in names nor a document whose published version was not
// approved as public, one person gives one sign-off, and an anonymous request cannot make the
// server read a large upload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, Client, assertProblem } from './harness.mjs';

const PW = 'custos-demo-password';
const WHO = {
  ism: 'daniel.okafor@westcloud.example', board: 'amelia.hart@westcloud.example',
  ops: 'priya.natarajan@westcloud.example', support: 'aisha.rahman@westcloud.example',
  staff: 'ben.carter@westcloud.example', hr: 'grace.mensah@westcloud.example',
};
let srv;
const C = {};

before(async () => {
  srv = new Server();
  await srv.start(['--demo']);
  for (const [k, email] of Object.entries(WHO)) {
    const r = await srv.req('POST', '/api/v1/session', { body: { email, password: PW } });
    assert.equal(r.status, 200, r.text);
    C[k] = new Client(srv, { Cookie: r.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': r.json.csrf });
    C[k].person = r.json.user.person_id;
  }
});
after(async () => { try { await srv?.stop(); } finally { srv?.cleanup(); } });

const ok = async (p, status = 200) => { const r = await p; assert.equal(r.status, status, r.text); return r.json; };

test('the Support Team cannot lower or resolve an escalated incident; the deadline stays', async () => {
  const i = await ok(C.staff.post('/api/v1/incidents', { title: 'Payslips at the printer', reporter_id: C.staff.person }), 201);
  await ok(C.support.post(`/api/v1/incidents/${i.id}/triage`, { severity: 'high', personal_data: true }));
  // before escalation the Support Team may still correct its triage
  await ok(C.support.post(`/api/v1/incidents/${i.id}/reassess`, { severity: 'high', personal_data: true, step_note: 'checked' }));
  const esc = await ok(C.support.post(`/api/v1/incidents/${i.id}/escalate`, {}));
  assert.ok(esc.notify_by);
  assertProblem(await C.support.post(`/api/v1/incidents/${i.id}/reassess`, { severity: 'low', personal_data: false }), 403, 'status');
  assertProblem(await C.support.post(`/api/v1/incidents/${i.id}/resolve`, {}), 409); // (not from escalated at all)
  // the ISM reassesses; even then the deadline, once set, stays
  const r = await ok(C.ism.post(`/api/v1/incidents/${i.id}/reassess`, { severity: 'medium', personal_data: false }));
  assert.equal(r.status, 'escalated');
  assert.equal(r.notify_by, esc.notify_by);
});

test('a report\'s attachment is kept as first given', async () => {
  const i = await ok(C.staff.post('/api/v1/incidents', { title: 'Screenshot of the error', reporter_id: C.staff.person }), 201);
  const up = await C.support.req('PUT', `/api/v1/incidents/${i.id}/files/attachment?name=a.png`,
    { raw: Buffer.from('first bytes'), headers: { 'Content-Type': 'image/png' } });
  assert.equal(up.status, 200, up.text);
  const again = await C.support.req('PUT', `/api/v1/incidents/${i.id}/files/attachment?name=b.png`,
    { raw: Buffer.from('other bytes'), headers: { 'Content-Type': 'image/png' } });
  assertProblem(again, 422, 'attachment');
  assertProblem(await C.support.del(`/api/v1/incidents/${i.id}/files/attachment`), 422, 'attachment');
});

test('notes are by who writes them, within the incident\'s life, and a closed incident takes none', async () => {
  const i = await ok(C.staff.post('/api/v1/incidents', { title: 'Tailgating at the door', reporter_id: C.staff.person }), 201);
  // written by the Support Team in the ISM's name: the note is the Support Team member's
  const n = await ok(C.support.post('/api/v1/incident_notes', { incident_id: i.id, at: i.aware_at, author_id: C.ism.person, note: 'Called the reporter.' }), 201);
  assert.equal(n.author_id, C.support.person);
  assertProblem(await C.support.post('/api/v1/incident_notes', { incident_id: i.id, at: '2020-01-01T00:00:00Z', author_id: C.support.person, note: 'x' }), 422, 'at');
  assertProblem(await C.support.post('/api/v1/incident_notes', { incident_id: i.id, at: '2099-01-01T00:00:00Z', author_id: C.support.person, note: 'x' }), 422, 'at');
  const closed = (await ok(C.ism.get('/api/v1/incidents?status=closed'))).items[0];
  assert.ok(closed, 'the demo has a closed incident');
  assertProblem(await C.support.post('/api/v1/incident_notes', { incident_id: closed.id, at: closed.closed_at, author_id: C.support.person, note: 'late' }), 422, 'incident_id');
  assertProblem(await C.ism.post('/api/v1/incident_actions', { incident_id: closed.id, title: 'late', owner_id: C.ism.person, due_on: '2030-01-01' }), 422, 'incident_id');
});

test('the trust page shows roles and days, not approvers\' sign-in names', async () => {
  const page = await srv.req('GET', '/trust');
  const link = page.text.match(/href="(\/trust\/\d+)"/);
  assert.ok(link, 'a public document');
  const doc = await srv.req('GET', link[1]);
  assert.equal(doc.status, 200);
  assert.match(doc.text, /Board/);
  assert.ok(!doc.text.includes('@westcloud.example'), 'no sign-in names on the public page');
});

test('a document becomes public only through an approved version', async () => {
  const d = (await ok(C.ism.get('/api/v1/documents?code=PRO-ACC'))).items[0];
  assert.equal(d.classification, 'internal');
  // its owner, the operations manager, makes the record public: the published version was not
  await ok(C.ops.patch(`/api/v1/documents/${d.id}`, { classification: 'public' }));
  assert.ok(!(await srv.req('GET', '/trust')).text.includes(`/trust/${d.id}"`));
  assert.equal((await srv.req('GET', `/trust/${d.id}`)).status, 404);
  // a new version sent and approved as public is
  const v = await ok(C.ism.post('/api/v1/document_versions', { document_id: d.id, change_summary: 'Now public' }), 201);
  for (const step of ['submit', 'approve', 'publish']) await ok(C.ism.post(`/api/v1/document_versions/${v.id}/${step}`, {}));
  assert.equal((await ok(C.ism.get(`/api/v1/document_versions/${v.id}`))).classification, 'public');
  assert.equal((await srv.req('GET', `/trust/${d.id}`)).status, 200);
});

test('an anonymous upload is refused without the server reading megabytes first', async () => {
  const big = Buffer.alloc(4 << 20, 0x41);
  const r = await srv.req('PUT', '/api/v1/evidence/1/files/file?name=x.bin',
    { raw: big, headers: { 'Content-Type': 'application/octet-stream' } });
  // the body is over the 1 MiB of requests without credentials: 401 first, nothing stored
  assert.equal(r.status, 401);
});

test('a document\'s new owner takes over its versions in progress', async () => {
  const d = await ok(C.ism.post('/api/v1/documents', { code: 'PRO-HANDOVER', title: 'Handover', kind: 'procedure',
    owner_id: C.ops.person, audience: 'none' }), 201);
  const v = await ok(C.ops.post('/api/v1/document_versions', { document_id: d.id, body: 'Draft.' }), 201);
  await ok(C.ops.patch(`/api/v1/document_versions/${v.id}`, { body: 'Draft, edited.' }));
  await ok(C.ism.patch(`/api/v1/documents/${d.id}`, { owner_id: C.hr.person }));
  assert.equal((await ok(C.ism.get(`/api/v1/document_versions/${v.id}`))).owner_id, C.hr.person);
  const old = await C.ops.patch(`/api/v1/document_versions/${v.id}`, { body: 'Not mine any more.' });
  assert.ok([403, 404].includes(old.status), old.text);
  await ok(C.hr.patch(`/api/v1/document_versions/${v.id}`, { body: 'Mine now.' }));
});
