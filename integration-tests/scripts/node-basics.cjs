// Node's core modules over the guest kernel: fs (sync and through libuv's thread pool), crypto
// (OpenSSL), zlib, timers and promises on the event loop (epoll), a worker thread, and a child
// process's output and exit status (spawnSync: socket pairs, SIGCHLD). NodeTest compares the output with the native run's.
const fs = require('fs');
const path = require('path');
const os = require('os');
const crypto = require('crypto');
const zlib = require('zlib');
const { spawnSync } = require('child_process');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

if (!isMainThread) {
  parentPort.postMessage(workerData.map(n => n * n));
  return;
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-'));
const file = path.join(dir, 'data.txt');
fs.writeFileSync(file, 'hello from node\n'.repeat(100));
console.log('size', fs.statSync(file).size);
console.log('sha256', crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
const packed = zlib.gzipSync(fs.readFileSync(file));
console.log('gunzip', zlib.gunzipSync(packed).equals(fs.readFileSync(file)));
console.log('hmac', crypto.createHmac('sha1', 'key').update('text').digest('base64'));
const child = spawnSync(process.execPath, ['-e', 'console.log("child says", 6 * 7); process.exit(3)']);
console.log('child', child.status, JSON.stringify(child.stdout.toString()));
fs.readFile(file, 'utf8', (err, text) => {
  console.log('async read', err, text.length);
  setTimeout(() => {
    console.log('timer fired');
    Promise.resolve(7).then(v => console.log('promise', v * 6));
    const worker = new Worker(__filename, { workerData: [1, 2, 3] });
    worker.on('message', squares => console.log('worker', squares.join(',')));
    worker.on('exit', code => console.log('worker exit', code));
  }, 50);
});
setImmediate(() => console.log('immediate'));
process.on('exit', code => console.log('exit', code));
