// GET /metrics: the Prometheus text format of counters every worker shares
// (one segment of the master's), answered to this machine only.
//
// "From elsewhere" without another machine: the whole of 127.0.0.0/8 is
// this host's loopback, so a connection to nginx (listening on 127.0.0.1)
// from the source address 127.0.0.2 is a real TCP client whose
// $remote_addr is not in the allowed set (127.0.0.1, ::1): nginx must
// answer it as it answers any unknown page. The handler's own check is
// tested without nginx, over FastCGI with another REMOTE_ADDR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';

import {
  base, dbctl, request, burst, fcgiRequest, cgiParams, expectCgiError, masterPid, execdWorkers,
  workerPids, isAlive, workersOf, waitFor,
} from './lib.mjs';

const WORKERS = 3;
const TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// A strict reader of the text format 0.0.4: every sample belongs to a
// family declared (HELP, then TYPE) before it, names and labels are well
// formed, values are numbers, no series twice. Returns Map(series → value)
// and the families.
function parse(text) {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const families = new Map();
  const series = new Map();
  let current = null;
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = /^# HELP (huzu_[a-z0-9_]+) (\S.*)$/.exec(line))) {
      assert.ok(!families.has(m[1]), `one HELP for ${m[1]}`);
      families.set(m[1], { help: m[2] });
      current = m[1];
    } else if ((m = /^# TYPE (huzu_[a-z0-9_]+) (counter|gauge|histogram)$/.exec(line))) {
      assert.equal(m[1], current, `TYPE ${m[1]} right after its HELP`);
      families.get(m[1]).type = m[2];
    } else if ((m = /^(huzu_[a-z0-9_]+)(?:\{((?:[a-z_]+="(?:[^"\\\n]|\\.)*",?)*)\})? (\d+(?:\.\d+)?)$/.exec(line))) {
      const [, name, labels = '', value] = m;
      const fam = families.get(current);
      assert.ok(fam && fam.type, `${line}: after a HELP and TYPE`);
      const own = fam.type === 'histogram' ? [`${current}_bucket`, `${current}_sum`, `${current}_count`] : [current];
      assert.ok(own.includes(name), `${line}: belongs to ${current}`);
      if (fam.type === 'counter') assert.match(name, /_total$/, 'a counter ends in _total');
      const key = `${name}{${labels.replace(/,$/, '')}}`;
      assert.ok(!series.has(key), `${key} once`);
      series.set(key, Number(value));
    } else {
      assert.fail(`not the text format: ${JSON.stringify(line)}`);
    }
  }
  return { series, families };
}

async function scrape() {
  const res = await request('GET', '/metrics');
  assert.equal(res.status, 200, res.text.slice(0, 300));
  assert.equal(res.headers.get('content-type'), TYPE);
  return { text: res.text, ...parse(res.text) };
}

const get = (m, key) => m.series.get(key) ?? 0;
const reqKey = (route, method, status) => `huzu_requests_total{route="${route}",method="${method}",status="${status}"}`;

// GET path from the source address `from` (raw HTTP, not fetch: fetch
// cannot choose its source address).
function getFrom(from, path) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, localAddress: from }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('requests are counted by route and status across every worker, exactly; the histogram is consistent', async () => {
  const before = await scrape();
  // Rounds of 6 at once until every worker has answered at least one.
  const pool = execdWorkers(masterPid());
  assert.equal(pool.length, WORKERS);
  const rids = [];
  const seen = new Set();
  for (let round = 0; round < 30 && seen.size < WORKERS; round++) {
    const got = await burst(6, 'GET', '/api/v1/version');
    for (const r of got) assert.equal(r.status, 200);
    const ids = got.map((r) => r.headers.get('x-request-id'));
    rids.push(...ids);
    for (const pid of (await workersOf(ids)).values()) seen.add(pid);
  }
  assert.equal(seen.size, WORKERS, `every worker answered some (${[...seen]})`);
  // Two 404s of a route that exists, and one of no route.
  assert.equal((await request('GET', '/api/v1/units/987654')).status, 401);
  assert.equal((await request('GET', '/api/v1/no-such/13800138000')).status, 404);

  const after = await scrape();
  const n = rids.length;
  assert.equal(get(after, reqKey('/api/v1/version', 'GET', 200)) - get(before, reqKey('/api/v1/version', 'GET', 200)), n,
    `${n} requests over ${WORKERS} workers, all counted once`);
  assert.equal(get(after, reqKey('/api/v1/units/{id}', 'GET', 401)) - get(before, reqKey('/api/v1/units/{id}', 'GET', 401)), 1);
  assert.equal(get(after, reqKey('', 'GET', 404)) - get(before, reqKey('', 'GET', 404)), 1);
  // The scrape before this one was counted too (after it was answered).
  assert.ok(get(after, reqKey('/metrics', 'GET', 200)) >= 1);

  // The histogram: cumulative, +Inf is the count, and it moved by at
  // least the requests made in between.
  const les = ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  let prev = 0;
  for (const le of les) {
    const v = after.series.get(`huzu_request_duration_seconds_bucket{le="${le}"}`);
    assert.ok(v >= prev, `bucket ${le} (${v}) >= the one below (${prev})`);
    prev = v;
  }
  const count = after.series.get('huzu_request_duration_seconds_count{}');
  assert.equal(prev, count, '+Inf is the count');
  assert.ok(count - before.series.get('huzu_request_duration_seconds_count{}') >= n + 3);
  assert.ok(after.series.get('huzu_request_duration_seconds_sum{}') > 0);
  let total = 0;
  for (const [k, v] of after.series) if (k.startsWith('huzu_requests_total{')) total += v;
  // Every request counted is in the histogram; the scrape in flight is in neither.
  assert.equal(total, count, 'requests_total adds up to the histogram count');

  // Labels: route patterns, never a path's id, phone or token.
  for (const k of after.series.keys()) {
    assert.doesNotMatch(k, /987654|13800138000|Bearer|token=/i, k);
    const m = /route="([^"]*)"/.exec(k);
    if (m) assert.match(m[1], /^(|\/[A-Za-z0-9/_{}.-]*)$/, k);
    assert.doesNotMatch(k, /\d{5,}/, `no long number in ${k}`);
  }

  // The rest of the families are there, with their types.
  const fam = after.families;
  for (const [name, type] of [
    ['huzu_build_info', 'gauge'], ['huzu_start_time_seconds', 'gauge'],
    ['huzu_requests_total', 'counter'], ['huzu_request_duration_seconds', 'histogram'],
    ['huzu_worker_starts_total', 'counter'], ['huzu_worker_deaths_total', 'counter'],
    ['huzu_scheduler_starts_total', 'counter'], ['huzu_scheduler_deaths_total', 'counter'],
    ['huzu_reloads_total', 'counter'], ['huzu_db_connects_total', 'counter'],
    ['huzu_db_reconnects_total', 'counter'], ['huzu_db_connections_lost_total', 'counter'],
    ['huzu_db_errors_total', 'counter'], ['huzu_db_retries_total', 'counter'],
    ['huzu_db_stalls_total', 'counter'], ['huzu_db_breaker_opens_total', 'counter'],
    ['huzu_db_breaker_refusals_total', 'counter'], ['huzu_db_breaker_open', 'gauge'],
    ['huzu_scheduler_job_runs_total', 'counter'], ['huzu_scheduler_job_failures_total', 'counter'],
    ['huzu_scheduler_job_lag_seconds', 'gauge'],
    ['huzu_outbox_due', 'gauge'], ['huzu_outbox_oldest_due_age_seconds', 'gauge'], ['huzu_outbox_given_up', 'gauge'],
  ]) assert.equal(fam.get(name)?.type, type, name);
  assert.ok(get(after, 'huzu_worker_starts_total{}') >= WORKERS);
  assert.ok(get(after, 'huzu_db_connects_total{result="ok"}') >= WORKERS, 'each worker connected');
  assert.ok(Math.abs(Date.now() / 1000 - get(after, 'huzu_start_time_seconds{}')) < 3 * 3600);
});

test('a worker killed is counted as a death and a start; a reload keeps every counter', { timeout: 30_000 }, async () => {
  const master = masterPid();
  const before = await scrape();
  const victim = execdWorkers(master)[0];
  process.kill(victim, 'SIGKILL');
  await waitFor('the worker replaced', 5000, () => !isAlive(victim) && execdWorkers(master).length === WORKERS);
  const mid = await scrape();
  assert.equal(get(mid, 'huzu_worker_deaths_total{}') - get(before, 'huzu_worker_deaths_total{}'), 1);
  assert.equal(get(mid, 'huzu_worker_starts_total{}') - get(before, 'huzu_worker_starts_total{}'), 1);

  const old = execdWorkers(master);
  process.kill(master, 'SIGHUP');
  await waitFor('a new generation', 10_000, () => {
    const all = workerPids(master, { zombies: true });
    const w = execdWorkers(master);
    return w.length === WORKERS && all.length === WORKERS && !all.some((p) => old.includes(p));
  });
  const after = await scrape();
  assert.equal(get(after, 'huzu_reloads_total{result="accepted"}') - get(mid, 'huzu_reloads_total{result="accepted"}'), 1);
  assert.equal(get(after, 'huzu_worker_starts_total{}') - get(mid, 'huzu_worker_starts_total{}'), WORKERS);
  assert.equal(get(after, 'huzu_worker_deaths_total{}'), get(mid, 'huzu_worker_deaths_total{}'), 'retired workers are no deaths');
  // The new workers count on in the same segment.
  const key = reqKey('/api/v1/version', 'GET', 200);
  assert.ok(get(after, key) >= get(before, key) && get(after, key) > 0, 'the request counts survived the reload');
  assert.equal(get(after, 'huzu_start_time_seconds{}'), get(before, 'huzu_start_time_seconds{}'));
});

test('/metrics is 404 to any other address: from nginx as an unknown page, from the app as an unknown route', async () => {
  const before = await scrape();
  const far = await getFrom('127.0.0.2', '/metrics');
  const unknown = await getFrom('127.0.0.2', '/no-such-page');
  assert.equal(far.status, 404);
  assert.equal(far.headers['content-type'], unknown.headers['content-type']);
  assert.equal(far.text.replace(/[0-9a-f]{32}/g, 'RID'), unknown.text.replace(/[0-9a-f]{32}/g, 'RID'),
    'the same answer as any unknown page');
  assert.doesNotMatch(far.text, /huzu_/);
  // From 127.0.0.1 through the same nginx: served.
  assert.equal((await getFrom('127.0.0.1', '/metrics')).status, 200);
  const after = await scrape();
  assert.equal(get(after, reqKey('/metrics', 'GET', 404)), get(before, reqKey('/metrics', 'GET', 404)),
    'nginx stopped it: the app never saw it');

  // The handler's own check, without nginx.
  for (const addr of ['192.0.2.7', '127.0.0.2', '::ffff:127.0.0.1', '']) {
    const params = cgiParams('GET', '/metrics', { REMOTE_ADDR: addr });
    const res = await fcgiRequest(params);
    expectCgiError(res, 404, 'not_found', Object.fromEntries(params).REQUEST_ID);
    const none = await fcgiRequest(cgiParams('GET', '/api/v1/no-such', { REMOTE_ADDR: addr }));
    assert.equal(res.json.error.message, none.json.error.message);
  }
  for (const addr of ['127.0.0.1', '::1']) {
    const res = await fcgiRequest(cgiParams('GET', '/metrics', { REMOTE_ADDR: addr }));
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], TYPE);
    parse(res.text);
  }
});

// When the database is down is when metrics matter: the scrape still
// answers, without the backlog, and the database counters say what happened.
test('with the database down /metrics still answers, and counts the lost connections and the reconnects',
  { timeout: 120_000 }, async () => {
    assert.ok(dbctl, 'HUZU_DBCTL is required');
    const db = (action) => execFileSync(dbctl, [action], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    const before = await scrape();
    assert.ok(before.series.has('huzu_outbox_due{}'));
    let down;
    db('stop');
    try {
      down = await scrape();
    } finally {
      db('start');
    }
    assert.ok(!down.series.has('huzu_outbox_due{}'), 'no backlog without the database');
    assert.ok(get(down, 'huzu_db_connections_lost_total{}') > get(before, 'huzu_db_connections_lost_total{}'));
    assert.ok(get(down, 'huzu_db_connects_total{result="failed"}') > get(before, 'huzu_db_connects_total{result="failed"}'));
    // A server that refuses connections opens the breaker, once.
    assert.equal(get(down, 'huzu_db_breaker_open{}'), 1, 'the breaker is open while the database is down');
    assert.ok(get(down, 'huzu_db_breaker_opens_total{}') > get(before, 'huzu_db_breaker_opens_total{}'));
    const back = await waitFor('the backlog again', 15_000, async () => {
      const m = await scrape();
      return m.series.has('huzu_outbox_due{}') && m;
    }, 200);
    assert.ok(get(back, 'huzu_db_reconnects_total{}') > get(before, 'huzu_db_reconnects_total{}'));
    assert.equal(get(back, 'huzu_db_breaker_open{}'), 0, 'closed again once the database answers');
  });
