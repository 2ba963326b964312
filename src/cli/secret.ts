/**
 * Read a secret: with a prompt on a TTY (no echo), else the whole of stdin (trailing newline
 * removed), as `docker login --password-stdin` does.
 */
export async function readSecret(prompt?: string): Promise<string> {
  const stdin = process.stdin;
  if (prompt && stdin.isTTY) {
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    return new Promise((resolve, reject) => {
      let s = '';
      const onData = (d: Buffer): void => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(s);
          if (ch === '\u0003') return fail();
          if (ch === '\u007f') s = s.slice(0, -1);
          else s += ch;
        }
      };
      const cleanup = (): void => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
        process.stderr.write('\n');
      };
      const done = (v: string): void => { cleanup(); resolve(v); };
      const fail = (): void => { cleanup(); reject(new Error('interrupted')); };
      stdin.on('data', onData);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Ask for one line on a terminal (echoed), as `docker login` asks for the user name; undefined without a TTY. */
export async function promptLine(prompt: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await rl.question(prompt)).trim();
  } finally {
    rl.close();
  }
}
