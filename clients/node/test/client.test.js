// The client against a real `hyperlight-nanvix serve` process running code in real micro-VMs.
// clients/node/pom.xml runs it (npm test) with the CLI's class path in HYPERLIGHT_NANVIX_CLASSPATH.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SandboxClient, SandboxError } from '../index.js';

const TOKEN = 'node-client-test-token';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests through Maven (mvn verify -pl clients/node -am),`
      + ' which sets it to what starting the server needs');
  }
  return value;
}

let server;
let serverExited;
let url;
let directory;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'hyperlight-nanvix-node-'));
  const tokenFile = join(directory, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  server = spawn(required('HYPERLIGHT_NANVIX_JAVA'), [
    '--enable-native-access=ALL-UNNAMED',
    `-Dhyperlight.nanvix.images=${required('HYPERLIGHT_NANVIX_IMAGES')}`,
    '-cp', required('HYPERLIGHT_NANVIX_CLASSPATH'),
    'dev.hyperlight.nanvix.cli.Main', 'serve', '--port', '0', '--token-file', tokenFile,
    // CPython's first start (its template's) runs partly under PVM's instruction emulation: minutes at worst.
    '--timeout', '180s', '--template-cache', join(directory, 'templates'),
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  serverExited = new Promise((resolve) => server.once('exit', resolve));
  url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: server.stdout });
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        resolve(match[1]);
      }
    });
    server.once('exit', (status) => reject(new Error(`serve exited with status ${status} before listening`)));
  });
});

after(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await serverExited;
  }
  if (directory) {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('runs Python with arguments', async () => {
  const client = new SandboxClient({ url, token: TOKEN });
  const result = await client.run({
    language: 'python', code: 'import sys\nprint(sys.argv[1:], 6 * 7)', args: ['a', 'b c'],
  });
  assert.equal(result.stdout, "['a', 'b c'] 42\n");
  assert.equal(result.stderr, '');
  assert.equal(result.exitCode, 0);
  assert.equal(result.termination, 'exited');
});

test('runs JavaScript with arguments and standard input', async () => {
  const client = new SandboxClient({ url, token: TOKEN });
  const result = await client.run({
    language: 'javascript',
    // Code runs as a script with QuickJS's std and os modules as globals (qjs --std -e CODE).
    code: "console.log(scriptArgs.join('|'), std.in.readAsString().toUpperCase())",
    args: ['x', 'y'],
    stdin: 'shout',
  });
  assert.equal(result.stdout, 'x|y SHOUT\n');
  assert.equal(result.exitCode, 0);
});

test('a failing program resolves with its exit status and standard error', async () => {
  const client = new SandboxClient({ url, token: TOKEN });
  const result = await client.run({ language: 'python', code: "raise SystemExit('no luck')" });
  assert.equal(result.exitCode, 1);
  assert.equal(result.stderr, 'no luck\n');
  assert.equal(result.termination, 'exited');
});

test('a program past its timeout is stopped', async () => {
  const client = new SandboxClient({ url, token: TOKEN });
  const result = await client.run({ language: 'javascript', code: 'for (;;) {}', timeoutMs: 3000 });
  assert.equal(result.termination, 'timed_out');
  assert.equal(result.exitCode, 124);
  assert.equal(result.description, 'timed out after 3s');
});

test("the server's refusals are SandboxErrors with its status, code and reason", async () => {
  await assert.rejects(
    new SandboxClient({ url, token: 'wrong' }).run({ language: 'python', code: 'print(1)' }),
    (error) => error instanceof SandboxError && error.status === 401 && error.code === 'unauthorized'
      && /bearer token/.test(error.message),
  );
  await assert.rejects(
    new SandboxClient({ url }).run({ language: 'python', code: 'print(1)' }),
    (error) => error instanceof SandboxError && error.status === 401,
  );
  await assert.rejects(
    new SandboxClient({ url, token: TOKEN }).run({ language: 'python', code: 'print(1)', memoryMb: 1 }),
    (error) => error instanceof SandboxError && error.status === 400 && error.code === 'invalid_request'
      && /memoryMb/.test(error.message),
  );
});

test('health gives the doctor checks', async () => {
  const health = await new SandboxClient({ url }).health();
  assert.notEqual(health.status, 'fail', JSON.stringify(health));
  assert.ok(health.checks.some((check) => check.name === 'java' && check.status === 'ok'), JSON.stringify(health));
});

test('bad arguments are refused before any request', async () => {
  assert.throws(() => new SandboxClient({}), TypeError);
  assert.throws(() => new SandboxClient({ url: 'ftp://example.com' }), TypeError);
  const client = new SandboxClient({ url, token: TOKEN });
  await assert.rejects(client.run({ language: 'ruby', code: 'puts 1' }), TypeError);
  await assert.rejects(client.run({ language: 'python', code: 'print(1)', args: [1] }), TypeError);
});
