// Text messages through Tencent Cloud SMS, against a local fake that
// checks the TC3-HMAC-SHA256 signature of every request (sms-fake.mjs): a
// huzu serve of its own (the stack's database, sms_sender = tencent) sends
// a login code at once, which then logs in through the stack; `huzu tick`
// sends notifications through the outbox, giving up what Tencent refuses
// for good and trying again what a retry can fix (a limit, a timeout); a
// wrong secret key is a signature failure, logged without secrets.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import {
  bin, configPath, testDir, freshPhone, residentLogin, smsCodes, verifyCode, expectStatus,
  fcgiRequest, cgiParams, waitFor, isAlive,
} from './lib.mjs';
import { sql, readSecrets, decodeJwt } from './identity-lib.mjs';
import { startFakeTencent, tc3Signature } from './sms-fake.mjs';

const SECRET_ID = 'AKIDhuzuTestSecretId0000000000000000';
const SECRET_KEY = 'huzu-test-sms-secret-key-0123456789';
const CODE_TEMPLATE = '2000001';
const NOTICE_TEMPLATE = '2000002';

// Whether this build knows log_file and the stack's config sets one.
const HAS_LOG_FILE = /^log_file = \S/m.test(fs.readFileSync(configPath, 'utf8'));

let fake;
let tmp;
let conf;
let master;
let logFile;

// The stack's config, sending through the fake. `log_file`, when the
// stack's config has one, moves into tmp too.
function writeConfig(file, secretKey, log) {
  const secrets = path.join(path.dirname(file), `${path.basename(file)}.secrets`);
  const s = readSecrets();
  const lines = Object.entries({ ...s, sms_tencent_secret_key: secretKey }).map(([k, v]) => `${k} = ${v}`);
  fs.writeFileSync(secrets, `${lines.join('\n')}\n`, { mode: 0o600 });
  let text = fs.readFileSync(configPath, 'utf8')
    .replace(/^socket = .*$/m, `socket = ${path.join(tmp, 'sms.sock')}`)
    .replace(/^workers = .*$/m, 'workers = 1')
    .replace(/^log_file = .*$/m, `log_file = ${log}`);
  text += [
    '', `secrets_file = ${secrets}`, 'sms_sender = tencent', `sms_tencent_url = http://127.0.0.1:${fake.port}`,
    'sms_tencent_region = ap-guangzhou', `sms_tencent_secret_id = ${SECRET_ID}`, 'sms_tencent_app_id = 1400009999',
    'sms_sign_name = 户组测试村', `sms_template_code = ${CODE_TEMPLATE}`, `sms_template_notice = ${NOTICE_TEMPLATE}`,
    'sms_timeout = 1', 'log_level = info', '',
  ].join('\n');
  fs.writeFileSync(file, text);
}

// `huzu tick` with config `file`: its output, and its log (stderr, or the
// log file when the config names one). Not spawnSync: the fake answers
// from this process meanwhile.
async function tick(file, at, log) {
  const from = fs.existsSync(log) ? fs.statSync(log).size : 0;
  const p = spawn(bin, ['tick', `--now=${at.toISOString()}`, '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = { stdout: '', stderr: '' };
  p.stdout.on('data', (d) => { r.stdout += d; });
  p.stderr.on('data', (d) => { r.stderr += d; });
  r.status = await new Promise((resolve) => p.on('close', resolve));
  assert.equal(r.status, 0, `huzu tick: ${r.stderr}${r.stdout}`);
  let text = r.stderr;
  if (HAS_LOG_FILE) text += fs.readFileSync(log).subarray(from).toString('utf8');
  return { stdout: r.stdout, log: text };
}

// A resident with a phone, and one notification of `kind` about
// `subject` due now: {phone, id}.
async function queued(kind = 'complaint.update', subject = 777) {
  const phone = freshPhone('137');
  const r = await residentLogin(phone);
  const user = Number(decodeJwt(r.access_token).payload.sub);
  sql(`INSERT INTO notifications (user_id, kind, subject_id, text, created_at, next_try_at)
    VALUES (${user}, '${kind}', ${subject || 'NULL'}, '您反映的问题已受理，我们会尽快处理', UTC_TIMESTAMP(), UTC_TIMESTAMP() - INTERVAL 1 SECOND)`);
  const [[id]] = sql(`SELECT MAX(id) FROM notifications WHERE user_id = ${user}`);
  return { phone, id: Number(id) };
}

function state(id) {
  const [[attempts, sent, givenUp, dueIn]] = sql(`SELECT attempts, sent_at IS NOT NULL, next_try_at = '9999-12-31',
    TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), next_try_at) FROM notifications WHERE id = ${id}`);
  return { attempts: Number(attempts), sent: sent === '1', givenUp: givenUp === '1', dueIn: Number(dueIn) };
}

before(async () => {
  fake = await startFakeTencent({ secretId: SECRET_ID, secretKey: SECRET_KEY });
  tmp = fs.mkdtempSync(path.join(testDir, 'sms-'));
  conf = path.join(tmp, 'huzu.conf');
  logFile = path.join(tmp, 'huzu.log');
  writeConfig(conf, SECRET_KEY, logFile);
});

after(async () => {
  if (master && isAlive(master.pid)) {
    process.kill(master.pid, 'SIGTERM');
    await waitFor('huzu serve to stop', 20_000, () => !isAlive(master.pid)).catch(() => process.kill(master.pid, 'SIGKILL'));
  }
  await fake.close();
});

test("the fake signs Tencent's published example as Tencent does", () => {
  const { signature } = tc3Signature('Gu5t9xGARNpq86cd98joQYCN3EXAMPLE', {
    contentType: 'application/json; charset=utf-8', host: 'cvm.tencentcloudapi.com', timestamp: 1551113065, service: 'cvm',
    body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  });
  assert.equal(signature, '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
});

test('huzu config --check refuses tencent without its keys, naming them', () => {
  const bad = path.join(tmp, 'bad.conf');
  fs.writeFileSync(bad, `${fs.readFileSync(configPath, 'utf8')}\nsms_sender = tencent\nsms_tencent_secret_id = x\n`);
  const r = spawnSync(bin, ['config', '--check', '-c', bad], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /sms_tencent_app_id, sms_sign_name, sms_template_code, sms_template_notice/);
  const ok = spawnSync(bin, ['config', '--check', '-c', conf], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
});

describe('a login code', () => {
  before(async () => {
    const out = fs.openSync(logFile, 'a');
    master = spawn(bin, ['serve', '-c', conf], { stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    await waitFor('the socket', 20_000, () => fs.existsSync(path.join(tmp, 'sms.sock')));
  });

  test('goes to Tencent at once, signed, and logs in', async () => {
    const phone = freshPhone('135');
    const body = Buffer.from(JSON.stringify({ phone }));
    const res = await fcgiRequest(cgiParams('POST', '/api/v1/auth/code', {
      CONTENT_TYPE: 'application/json', CONTENT_LENGTH: String(body.length),
    }), body, { sock: path.join(tmp, 'sms.sock') });
    assert.equal(res.status, 202, `${res.text} ${JSON.stringify(fake.to(phone))} ${fs.readFileSync(logFile, 'utf8')}`);

    const [r, ...more] = fake.to(phone);
    assert.equal(more.length, 0, 'one request');
    assert.equal(r.answer, 'Ok', 'the signature checked out');
    assert.equal(r.headers['x-tc-region'], 'ap-guangzhou');
    assert.deepEqual(Object.keys(r.body), ['PhoneNumberSet', 'SmsSdkAppId', 'SignName', 'TemplateId', 'TemplateParamSet']);
    assert.equal(r.body.SmsSdkAppId, '1400009999');
    assert.equal(r.body.SignName, '户组测试村');
    assert.equal(r.body.TemplateId, CODE_TEMPLATE);
    const [code, minutes] = r.body.TemplateParamSet;
    assert.match(code, /^\d{6}$/);
    assert.equal(minutes, '5');
    assert.deepEqual(smsCodes(phone), [], 'not through the log sender');

    // The code logs in, through the stack's nginx and workers.
    expectStatus(await verifyCode(phone, code), 200, 'code login');

    const log = fs.readFileSync(logFile, 'utf8');
    const masked = `${phone.slice(0, 3)}****${phone.slice(7)}`;
    assert.match(log, new RegExp(`sms sent.*what=code phone=${masked.replace(/\*/g, '\\*')} request_id=${r.requestId}`));
    for (const secret of [phone, code, SECRET_KEY]) assert.ok(!log.includes(secret), 'no phone, code or key in the log');
  });
});

describe('notifications, through huzu tick', () => {
  test('one is sent as the notice template: a label and its number', async () => {
    const n = await queued('complaint.update', 777);
    const t = await tick(conf, new Date(), logFile);
    assert.match(t.stdout, /outbox: sent=[1-9]/);
    const [r] = fake.to(n.phone);
    assert.equal(r.answer, 'Ok');
    assert.equal(r.body.TemplateId, NOTICE_TEMPLATE);
    assert.deepEqual(r.body.TemplateParamSet, ['您的诉求有新进展', '777'], 'not the text itself');
    // One read: dueIn counts seconds from now, and two reads may differ.
    const after = state(n.id);
    assert.deepEqual([after.attempts, after.sent, after.givenUp], [1, true, false]);
  });

  test('a number Tencent refuses is given up at once; a limit is tried again a minute later', async () => {
    const never = await queued();
    const limited = await queued();
    fake.script(never.phone, ['InvalidParameterValue.IncorrectPhoneNumber']);
    fake.script(limited.phone, ['LimitExceeded.PhoneNumberOneHourLimit']);
    const t0 = new Date();
    const t = await tick(conf, t0, logFile);
    assert.match(t.log, /sms not sent.*code=InvalidParameterValue\.IncorrectPhoneNumber .*retry=no/);
    assert.match(t.log, /sms not sent.*code=LimitExceeded\.PhoneNumberOneHourLimit .*retry=yes/);
    let s = state(never.id);
    assert.equal(s.attempts, 1);
    assert.ok(s.givenUp && !s.sent, JSON.stringify(s));
    s = state(limited.id);
    assert.equal(s.attempts, 1);
    assert.ok(!s.givenUp && !s.sent && s.dueIn > 30 && s.dueIn <= 61, JSON.stringify(s));

    await tick(conf, new Date(t0.getTime() + 61_000), logFile);
    assert.ok(state(limited.id).sent, 'sent at the retry');
    assert.deepEqual(fake.to(limited.phone).map((r) => r.answer), ['LimitExceeded.PhoneNumberOneHourLimit', 'Ok']);
    assert.equal(fake.to(never.phone).length, 1, 'never asked again');
  });

  test('a gateway that does not answer within sms_timeout is tried again', async () => {
    const n = await queued('shift.reminder', 5);
    fake.script(n.phone, ['hang']);
    const t0 = new Date();
    const started = Date.now();
    const t = await tick(conf, t0, logFile);
    assert.ok(Date.now() - started < 8000, 'bounded by sms_timeout');
    assert.match(t.log, /sms not sent: tencent unreachable.*curl=28/);
    let s = state(n.id);
    assert.ok(s.attempts === 1 && !s.sent && !s.givenUp, JSON.stringify(s));
    await tick(conf, new Date(t0.getTime() + 61_000), logFile);
    s = state(n.id);
    assert.ok(s.sent, JSON.stringify(s));
    assert.deepEqual(fake.to(n.phone).map((r) => r.answer), ['hang', 'Ok']);
  });

  test('a wrong secret key is a signature failure, logged without secrets, and tried again', async () => {
    const wrong = path.join(tmp, 'wrong.conf');
    const wrongLog = path.join(tmp, 'wrong.log');
    writeConfig(wrong, 'not-the-key-0123456789', wrongLog);
    const n = await queued();
    const t = await tick(wrong, new Date(), wrongLog);
    const [r] = fake.to(n.phone);
    assert.equal(r.answer, 'AuthFailure.SignatureFailure');
    assert.match(t.log, new RegExp(`check the tencent settings.*code=AuthFailure\\.SignatureFailure request_id=${r.requestId}`));
    for (const secret of ['not-the-key', SECRET_KEY, n.phone, '您反映的问题']) {
      assert.ok(!t.log.includes(secret), `the log holds no ${secret === n.phone ? 'phone' : 'secret or text'}`);
    }
    const s = state(n.id);
    assert.ok(s.attempts === 1 && !s.sent && !s.givenUp, JSON.stringify(s));
  });
});
