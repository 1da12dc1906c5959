import { PassThrough } from 'node:stream';

/** stdout and stderr for a CLI run in the test's process, with what was written to each. */
export function capturedIo(): { stdout: PassThrough; stderr: PassThrough; out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}
