import { mergeUsage, parseLine, type ReportedUsage } from './stream-json.js';

/** What the shipper needs of the MCP session (the runner's own, or a stand-in in a unit test). */
export interface LogSink {
  call<T>(tool: string, args: Record<string, unknown>): Promise<T>;
}

export interface LogShipperOptions {
  taskId: string;
  attempt: number;
  /** Ships at least this often while the command runs (also how soon a Stop is heard). */
  everyMs: number;
  /** Characters of output this task may send in all (the rest is counted, not sent). */
  maxChars: number;
  /** Values that must never leave the machine (tokens): replaced by `***`. */
  secrets: string[];
  /** A person stopped the task: end the command. */
  onStop: (message: string) => void;
  /** Problems worth a line in the runner's output (a batch that could not be sent). */
  onProblem?: (message: string) => void;
}

type Stream = 'stdout' | 'stderr' | 'step' | 'note';
interface Line {
  stream: Stream;
  text: string;
  at: string;
}

const LINE_CHARS = 4_000;
/** What one append_log call carries at most (the server's limits are 200 lines, 64,000 characters). */
const BATCH_LINES = 200;
const BATCH_CHARS = 60_000;
/** Lines kept while aiworker cannot be reached; older ones are dropped (and counted). */
const BACKLOG_LINES = 5_000;

/**
 * Sends the coding command's output to aiworker's live log (`append_log`) while it runs: split into lines
 * per stream, secrets masked, JSON lines of Claude Code / Codex turned into readable steps (and their
 * usage kept for the attempt's report), bounded per task. One batch at a time, every `everyMs` (an empty
 * one too: its answer is how the runner hears a Stop), and a last one when the command ends.
 */
export class LogShipper {
  private readonly partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private queue: Line[] = [];
  private timer?: NodeJS.Timeout;
  private sending?: Promise<void>;
  private sentChars = 0;
  private droppedChars = 0;
  private truncatedNoted = false;
  private stopped = false;
  private usageSoFar: ReportedUsage = {};
  private reported = false;
  /** Round trips of append_log (ms), for the runner's own numbers. */
  readonly latencies: number[] = [];

  constructor(
    private readonly sink: LogSink,
    private readonly options: LogShipperOptions,
    charsUsedBefore = 0,
  ) {
    this.sentChars = charsUsedBefore;
  }

  get stopRequested(): boolean {
    return this.stopped;
  }

  /** Usage the command reported (undefined when it reported none). */
  get usage(): ReportedUsage | undefined {
    return this.reported ? this.usageSoFar : undefined;
  }

  /** Characters counted against the task's bound so far (carry over to the next attempt). */
  get charsUsed(): number {
    return this.sentChars;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.everyMs);
    this.timer.unref?.();
  }

  /** A chunk of the command's output. */
  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    const text = this.partial[stream] + chunk.toString();
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    if (this.partial[stream].length > LINE_CHARS) {
      lines.push(this.partial[stream]);
      this.partial[stream] = '';
    }
    for (const line of lines) this.add(stream, line.replace(/\r$/, ''));
  }

  note(text: string): void {
    this.push({ stream: 'note', text: this.mask(text), at: new Date().toISOString() });
  }

  private add(stream: 'stdout' | 'stderr', raw: string): void {
    const parsed = parseLine(raw);
    if (parsed.usage) {
      this.usageSoFar = mergeUsage(this.usageSoFar, parsed.usage, !!parsed.perTurn);
      this.reported = true;
    }
    this.push({ stream: parsed.step ? 'step' : stream, text: this.mask(parsed.step ?? raw), at: new Date().toISOString() });
  }

  private push(line: Line): void {
    const text = line.text.length > LINE_CHARS ? `${line.text.slice(0, LINE_CHARS - 1)}…` : line.text;
    if (this.sentChars + text.length > this.options.maxChars) {
      this.droppedChars += text.length;
      if (!this.truncatedNoted) {
        this.truncatedNoted = true;
        this.queue.push({ stream: 'note', text: `(the log of this task reached its limit of ${this.options.maxChars} characters; further output stays in the runner's log file)`, at: line.at });
      }
      return;
    }
    this.sentChars += text.length;
    this.queue.push({ ...line, text });
    if (this.queue.length > BACKLOG_LINES) this.queue.splice(0, this.queue.length - BACKLOG_LINES);
  }

  private mask(text: string): string {
    let masked = text;
    for (const secret of this.options.secrets) if (secret && secret.length >= 6) masked = masked.split(secret).join('***');
    return masked;
  }

  /** Sends what is waiting (one call at a time); an empty batch still asks whether to stop. */
  flush(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = this.sendOnce().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async sendOnce(): Promise<void> {
    const batch: Line[] = [];
    let chars = 0;
    while (this.queue.length && batch.length < BATCH_LINES && chars + this.queue[0].text.length <= BATCH_CHARS) {
      const line = this.queue.shift()!;
      chars += line.text.length;
      batch.push(line);
    }
    const started = performance.now();
    try {
      const answer = await this.sink.call<{ stop: boolean; message: string }>('append_log', { taskId: this.options.taskId, attempt: this.options.attempt, lines: batch });
      this.latencies.push(performance.now() - started);
      if (answer.stop && !this.stopped) {
        this.stopped = true;
        this.options.onStop(answer.message);
      }
    } catch (error) {
      // Kept for the next try (the oldest go first if aiworker stays away for long).
      this.queue.unshift(...batch);
      this.options.onProblem?.(`could not send the live log: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The command ended: the rest of its output (partial lines too), then no more timer. */
  async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.add(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
    if (this.droppedChars) this.queue.push({ stream: 'note', text: `(${this.droppedChars} characters of output not sent: over the limit)`, at: new Date().toISOString() });
    await this.sending;
    for (let round = 0; this.queue.length && round < 50; round++) {
      const before = this.queue.length;
      await this.flush();
      if (this.queue.length >= before) break; // aiworker cannot be reached: the log file keeps it all
    }
  }
}
