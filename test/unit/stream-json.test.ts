import { describe, expect, it } from 'vitest';
import { LogShipper } from '../../packages/agent/src/log-shipper.js';
import { parseLine } from '../../packages/agent/src/stream-json.js';

describe('stream-json lines of coding CLIs', () => {
  it("reads Claude Code's result line as the run's usage and cost", () => {
    const line = '{"type":"result","subtype":"success","num_turns":2,"result":"Done.","total_cost_usd":0.0123,"usage":{"input_tokens":2000,"cache_creation_input_tokens":300,"cache_read_input_tokens":100,"output_tokens":48}}';
    expect(parseLine(line)).toEqual({ step: 'result success: 2 turn(s), $0.0123 — Done.', usage: { inputTokens: 2400, outputTokens: 48, costUsd: 0.0123 } });
  });

  it("turns Codex exec --json items into steps and adds up its turns' tokens", () => {
    expect(parseLine('{"type":"item.started","item":{"id":"i1","type":"command_execution","command":"ls -la"}}')).toEqual({ step: 'tool shell: ls -la' });
    expect(parseLine('{"type":"item.completed","item":{"id":"i2","type":"agent_message","text":"All done"}}')).toEqual({ step: 'message: All done' });
    expect(parseLine('{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":20,"output_tokens":7}}')).toMatchObject({ usage: { inputTokens: 120, outputTokens: 7 }, perTurn: true });
  });

  it('leaves anything else as text', () => {
    for (const line of ['plain text', '{"not":"typed"}', '{broken json}', '[1,2]']) expect(parseLine(line)).toEqual({});
  });

  it('the shipper masks secrets, bounds the task, sums Codex turns and keeps lines it could not send for the next batch', async () => {
    const calls: Array<Record<string, any>> = [];
    let fail = true;
    const sink = {
      call: async <T>(_tool: string, args: Record<string, unknown>): Promise<T> => {
        if (fail) {
          fail = false;
          throw new Error('network down');
        }
        calls.push(args);
        return { stop: false, message: '' } as T;
      },
    };
    const problems: string[] = [];
    const shipper = new LogShipper(sink, { taskId: 't', attempt: 1, everyMs: 2000, maxChars: 60, secrets: ['sekrit-token'], onStop: () => undefined, onProblem: (m) => problems.push(m) });
    shipper.write('stdout', 'token sekrit-token here\n{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":1}}\n');
    shipper.write('stderr', 'par');
    shipper.write('stderr', 'tial\n');
    await shipper.flush(); // fails: kept
    shipper.write('stdout', '{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":1}}\n' + 'y'.repeat(100) + '\n');
    await shipper.finish();
    expect(problems).toEqual(['could not send the live log: network down']);
    const texts = calls.flatMap((call) => call.lines.map((line: { stream: string; text: string }) => `${line.stream}:${line.text}`));
    expect(texts.slice(0, 4)).toEqual(['stdout:token *** here', 'step:turn completed', 'stderr:partial', 'step:turn completed']);
    expect(texts.some((text) => text.includes('y'.repeat(100)))).toBe(false);
    expect(texts.some((text) => text.includes('reached its limit of 60 characters'))).toBe(true);
    expect(shipper.usage).toEqual({ inputTokens: 10, outputTokens: 2 });
  });
});
