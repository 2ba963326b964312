/**
 * One line typed on the terminal, in raw mode: echoed or not, Backspace and Ctrl-C handled. What
 * was typed (or pasted) after the newline is handed back to stdin for the next prompt, not lost.
 */
function readTerminalLine(prompt: string, echo: boolean): Promise<string> {
  const stdin = process.stdin;
  // raw mode (no terminal echo) before the prompt shows: what is typed once it is up is never echoed by the tty
  stdin.setRawMode(true);
  process.stderr.write(prompt);
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
          return resolve(s);
        }
        if (ch === '\u0003') {
          cleanup();
          return reject(new Error('interrupted'));
        }
        if (ch === '\u007f') {
          if (s && echo) process.stderr.write('\b \b');
          s = s.slice(0, -1);
          continue;
        }
        s += ch;
        if (echo) process.stderr.write(ch);
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * Read a secret: with a prompt on a TTY (no echo), else the whole of stdin (trailing newline
 * removed), as `docker login --password-stdin` does.
 */
export async function readSecret(prompt?: string): Promise<string> {
  const stdin = process.stdin;
  if (prompt && stdin.isTTY) return readTerminalLine(prompt, false);
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Ask for one line on a terminal (echoed), as `docker login` asks for the user name; undefined
 * unless both stdin and stderr are terminals.
 */
export async function promptLine(prompt: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (await readTerminalLine(prompt, true)).trim();
}
