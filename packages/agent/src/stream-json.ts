/**
 * Coding CLIs that print JSON lines: Claude Code (`-p --output-format stream-json --verbose`) and Codex
 * (`codex exec --json`). A recognised line becomes a step people can read in the live log (a tool call, a
 * message) and, for the closing lines, usage; anything else stays plain text.
 */
export interface ReportedUsage {
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface ParsedLine {
  /** A readable step for the log, or undefined to keep the line as it is. */
  step?: string;
  usage?: ReportedUsage;
  /** The usage is one turn's (Codex), to add up; otherwise it is the run's total (Claude Code's result line). */
  perTurn?: boolean;
}

const STEP_CHARS = 1_000;
const clip = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > STEP_CHARS ? `${flat.slice(0, STEP_CHARS - 1)}…` : flat;
};
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const sum = (...values: unknown[]): number | undefined => {
  const numbers = values.map(num).filter((value): value is number => value !== undefined);
  return numbers.length ? numbers.reduce((a, b) => a + b, 0) : undefined;
};

// biome-ignore lint/suspicious/noExplicitAny: a line another program printed, read field by field with checks
type Json = Record<string, any>;

export function parseLine(line: string): ParsedLine {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return {};
  let json: Json;
  try {
    json = JSON.parse(trimmed) as Json;
  } catch {
    return {};
  }
  if (!json || typeof json !== 'object' || typeof json.type !== 'string') return codexLegacy(json);
  return claudeCode(json) ?? codex(json) ?? {};
}

/** Claude Code stream-json: system init, assistant (text / tool_use), user (tool_result), result. */
function claudeCode(json: Json): ParsedLine | undefined {
  switch (json.type) {
    case 'system':
      return { step: `session ${json.subtype ?? ''}${json.model ? ` (model ${json.model})` : ''}`.trim() };
    case 'assistant': {
      const parts = Array.isArray(json.message?.content) ? json.message.content : [];
      const steps = parts.map((part: Json) =>
        part?.type === 'tool_use' ? `tool ${part.name}: ${clip(JSON.stringify(part.input ?? {}))}` : part?.type === 'text' ? `message: ${clip(String(part.text ?? ''))}` : part?.type === 'thinking' ? 'thinking…' : undefined,
      );
      const text = steps.filter(Boolean).join(' | ');
      return text ? { step: text } : {};
    }
    case 'user': {
      const parts = Array.isArray(json.message?.content) ? json.message.content : [];
      const results = parts.filter((part: Json) => part?.type === 'tool_result');
      if (!results.length) return {};
      const content = (part: Json) => (typeof part.content === 'string' ? part.content : Array.isArray(part.content) ? part.content.map((c: Json) => c?.text ?? '').join(' ') : '');
      return { step: results.map((part: Json) => `tool result${part.is_error ? ' (error)' : ''}: ${clip(content(part))}`).join(' | ') };
    }
    case 'result': {
      const usage = json.usage ?? {};
      const reported: ReportedUsage = {
        inputTokens: sum(usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens),
        outputTokens: num(usage.output_tokens),
        costUsd: num(json.total_cost_usd),
      };
      const cost = reported.costUsd !== undefined ? `, $${reported.costUsd.toFixed(4)}` : '';
      return { step: `result ${json.subtype ?? ''}: ${json.num_turns ?? '?'} turn(s)${cost}${json.result ? ` — ${clip(String(json.result))}` : ''}`, usage: reported };
    }
    default:
      return undefined;
  }
}

/** Codex `exec --json`: thread/turn/item events; turn.completed carries usage. */
function codex(json: Json): ParsedLine | undefined {
  if (json.type === 'turn.completed') {
    const usage = json.usage ?? {};
    return { step: 'turn completed', usage: { inputTokens: sum(usage.input_tokens, usage.cached_input_tokens), outputTokens: num(usage.output_tokens) }, perTurn: true };
  }
  if (typeof json.type === 'string' && json.type.startsWith('item.') && json.item) {
    const item = json.item as Json;
    if (json.type !== 'item.completed' && item.type !== 'command_execution') return {};
    switch (item.type) {
      case 'agent_message':
        return { step: `message: ${clip(String(item.text ?? ''))}` };
      case 'reasoning':
        return { step: `thinking: ${clip(String(item.text ?? ''))}` };
      case 'command_execution':
        return json.type === 'item.started' ? { step: `tool shell: ${clip(String(item.command ?? ''))}` } : { step: `tool result (exit ${item.exit_code ?? '?'})` };
      case 'file_change':
        return { step: `files changed: ${clip((item.changes ?? []).map((change: Json) => `${change.kind} ${change.path}`).join(', '))}` };
      default:
        return { step: `${item.type}` };
    }
  }
  if (json.type.startsWith('thread.') || json.type.startsWith('turn.')) return { step: json.type };
  return undefined;
}

/** Older Codex JSON lines: `{"msg": {"type": "token_count", …}}`. */
function codexLegacy(json: Json): ParsedLine {
  const msg = json?.msg;
  if (msg?.type === 'token_count') return { usage: { inputTokens: num(msg.input_tokens), outputTokens: num(msg.output_tokens) }, perTurn: true };
  if (msg?.type === 'agent_message') return { step: `message: ${clip(String(msg.message ?? ''))}` };
  return {};
}

/** Later reports replace earlier ones field by field (Claude Code's result line is the run's total). */
export function mergeUsage(into: ReportedUsage, more: ReportedUsage, add: boolean): ReportedUsage {
  const merged = { ...into };
  for (const key of ['inputTokens', 'outputTokens', 'costUsd'] as const) {
    const value = more[key];
    if (value === undefined) continue;
    merged[key] = add ? (merged[key] ?? 0) + value : value;
  }
  return merged;
}
