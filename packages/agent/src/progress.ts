/** One line per step of a task, prefixed with the time and the slot (when several run), to stdout. */
export class Progress {
  constructor(
    private readonly label: string,
    private readonly out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  line(message: string, taskId?: string): void {
    const time = new Date().toISOString().slice(11, 19);
    const task = taskId ? ` task ${taskId.slice(0, 8)}` : '';
    this.out(`${time} ${this.label}${task}: ${message}`);
  }
}
