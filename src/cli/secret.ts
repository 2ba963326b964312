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

/**
 * Ask for one line on a terminal (echoed), as `docker login` asks for the user name; undefined
 * unless both stdin and stderr are terminals. Read by hand, not with readline: what was typed (or
 * pasted) after the newline is handed back to stdin for the password prompt, not swallowed.
 */
export async function promptLine(prompt: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) return undefined;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let s = '';
    const cleanup = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (d: Buffer): void => {
      const text = d.toString('utf8');
      for (let i = 0; i < text.length; i++) {
        const ch = text[i]!;
        if (ch === '\r' || ch === '\n') {
          let rest = text.slice(i + 1);
          if (ch === '\r' && rest.startsWith('\n')) rest = rest.slice(1);
          cleanup();
          if (rest) stdin.unshift(Buffer.from(rest, 'utf8'));
          return resolve(s.trim());
        }
        if (ch === '\u0003') {
          cleanup();
          return reject(new Error('interrupted'));
        }
        if (ch === '\u007f') {
          if (s) process.stderr.write('\b \b');
          s = s.slice(0, -1);
          continue;
        }
        s += ch;
        process.stderr.write(ch);
      }
    };
    stdin.on('data', onData);
  });
}
