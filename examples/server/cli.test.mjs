// The command line: scripts start the server and read its URL from the one line it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

function run(args, env = {}) {
  const child = spawn(process.execPath, [SERVER, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = new Promise((resolve, reject) => {
    child.stdout.on('data', () => { if (stdout.includes('\n')) resolve(stdout.split('\n')[0]); });
    exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return { child, firstLine, exited, output: () => ({ stdout, stderr }) };
}

test('--port 0 prints exactly one line with the URL, serves, and stops on SIGTERM', async () => {
  const server = run(['--port', '0'], { PORT: '1' });
  const line = await server.firstLine;
  assert.match(line, /^freshet demo: http:\/\/127\.0\.0\.1:\d+\/$/);
  const url = line.slice('freshet demo: '.length);
  const response = await fetch(`${url}studio/api/stories`);
  assert.equal(response.status, 200);
  assert.equal((await response.json()).stories.length, 3);
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.equal(server.output().stdout, `${line}\n`);
});

test('an invalid port is refused with a message on stderr', async () => {
  const server = run(['--port', 'eighty']);
  server.firstLine.catch(() => {}); // it never prints one
  assert.equal(await server.exited, 2);
  assert.equal(server.output().stdout, '');
  assert.match(server.output().stderr, /invalid port/);
});
