// A fake Tencent Cloud SMS (API 3.0 SendSms, version 2021-01-11) for the
// SMS tests, Node built-ins only. It checks every request the way Tencent
// documents it ("Signature v3"): the X-TC-* headers, the timestamp, and
// the TC3-HMAC-SHA256 Authorization recomputed here with node:crypto from
// the request as received; a wrong one is answered with
// AuthFailure.SignatureFailure. It records every request, and answers each
// phone from a script: 'Ok', an error code, or 'hang' (no answer for 5 s).
import crypto from 'node:crypto';
import http from 'node:http';

const hmac = (key, msg) => crypto.createHmac('sha256', key).update(msg).digest();
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

// The signature Tencent expects for this request (POST to "/", signed
// headers content-type and host).
export function tc3Signature(secretKey, { contentType, host, body, timestamp, service = 'sms' }) {
  const date = new Date(Number(timestamp) * 1000).toISOString().slice(0, 10);
  const canonical = ['POST', '/', '', `content-type:${contentType}\nhost:${host}\n`, 'content-type;host', sha256(body)].join('\n');
  const toSign = ['TC3-HMAC-SHA256', String(timestamp), `${date}/${service}/tc3_request`, sha256(canonical)].join('\n');
  const k = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request');
  return { date, signature: crypto.createHmac('sha256', k).update(toSign).digest('hex') };
}

// Codes Tencent reports for the request as a whole (Response.Error); the
// others come back per number in SendStatusSet, as Tencent does.
const REQUEST_LEVEL = /^(AuthFailure|LimitExceeded|InternalError|RequestLimitExceeded|UnauthorizedOperation)/;

// Why a request is refused before sending, or null.
function check(req, raw, { secretId, secretKey }) {
  const h = req.headers;
  if (req.method !== 'POST' || req.url !== '/') return 'InvalidAction';
  if (h['x-tc-action'] !== 'SendSms' || h['x-tc-version'] !== '2021-01-11') return 'InvalidAction';
  if (!h['x-tc-region']) return 'MissingParameter';
  const ts = Number(h['x-tc-timestamp']);
  if (!Number.isInteger(ts) || Math.abs(ts - Date.now() / 1000) > 300) return 'AuthFailure.SignatureExpire';
  const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/sms\/tc3_request, SignedHeaders=content-type;host, Signature=([0-9a-f]{64})$/
    .exec(h.authorization || '');
  if (!m) return 'AuthFailure.InvalidAuthorization';
  if (m[1] !== secretId) return 'AuthFailure.SecretIdNotFound';
  const want = tc3Signature(secretKey, { contentType: h['content-type'], host: h.host, body: raw, timestamp: ts });
  if (m[2] !== want.date || m[3] !== want.signature) return 'AuthFailure.SignatureFailure';
  return null;
}

export async function startFakeTencent({ secretId, secretKey }) {
  const requests = [];
  const scripts = new Map();
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const requestId = crypto.randomUUID();
      const refused = check(req, raw, { secretId, secretKey });
      let body = null;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch { /* recorded as null */ }
      const phone = body && Array.isArray(body.PhoneNumberSet) ? body.PhoneNumberSet[0] : null;
      const script = scripts.get(phone) || [];
      const answer = refused || script.shift() || 'Ok';
      requests.push({ headers: req.headers, raw: raw.toString('utf8'), body, phone, answer, requestId });
      if (answer === 'hang') {
        setTimeout(() => res.destroy(), 5000).unref();
        return;
      }
      let out;
      if (answer !== 'Ok' && (refused || REQUEST_LEVEL.test(answer))) {
        out = { Response: { Error: { Code: answer, Message: 'fake' }, RequestId: requestId } };
      } else {
        out = {
          Response: {
            SendStatusSet: [{
              SerialNo: `fake:${requests.length}`, PhoneNumber: phone, Fee: answer === 'Ok' ? 1 : 0,
              SessionContext: '', Code: answer, Message: answer === 'Ok' ? 'send success' : 'fake', IsoCode: 'CN',
            }],
            RequestId: requestId,
          },
        };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    requests,
    // The requests for a mainland phone (11 digits).
    to: (phone) => requests.filter((r) => r.phone === `+86${phone}`),
    // The next answers for a phone, in order; then 'Ok'.
    script: (phone, answers) => scripts.set(`+86${phone}`, [...answers]),
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}
