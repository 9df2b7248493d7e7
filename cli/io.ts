/** The terminal as the commands see it: two output streams, one answer line, a dot ticker. */

export interface Io {
  /** Writes to stdout as-is (callers add newlines). */
  out(text: string): void;
  /** Writes to stderr as-is. */
  err(text: string): void;
  /** One line from stdin without its newline; undefined at end of input. */
  readLine(): Promise<string | undefined>;
  /** Whether a person types the answers (else they are echoed, to keep transcripts readable). */
  interactive: boolean;
}

/** The real process streams. */
export function processIo(): Io {
  const { stdin, stdout, stderr } = process;
  for (const stream of [stdout, stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
  return {
    out: (text) => void stdout.write(text),
    err: (text) => void stderr.write(text),
    interactive: Boolean(stdin.isTTY),
    readLine: () =>
      new Promise((resolve) => {
        let buffer = "";
        const finish = (line: string | undefined) => {
          stdin.off("data", onData);
          stdin.off("end", onEnd);
          stdin.off("error", onEnd);
          stdin.pause();
          resolve(line?.replace(/\r$/, ""));
        };
        const onData = (chunk: string) => {
          buffer += chunk;
          const newline = buffer.indexOf("\n");
          if (newline >= 0) finish(buffer.slice(0, newline));
        };
        const onEnd = () => finish(buffer.length > 0 ? buffer : undefined);
        stdin.setEncoding("utf8");
        stdin.on("data", onData);
        stdin.on("end", onEnd);
        stdin.on("error", onEnd);
        stdin.resume();
      }),
  };
}

/** Prints a dot every `intervalMs` while something is in flight; returns the stop function. */
export function startDots(io: Pick<Io, "out">, intervalMs = 1000): () => void {
  const timer = setInterval(() => io.out("."), intervalMs);
  return () => clearInterval(timer);
}

/** Runs `work` with dots ticking, stopping them however it ends. */
export async function withDots<T>(
  io: Pick<Io, "out">,
  work: Promise<T>,
  intervalMs?: number,
): Promise<T> {
  const stop = startDots(io, intervalMs);
  try {
    return await work;
  } finally {
    stop();
  }
}
