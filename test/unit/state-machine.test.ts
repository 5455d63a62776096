import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../packages/core/src/errors.js';
import { ACTIVE_STATES, TRANSITIONS, assertTransition, canTransition, isActive } from '../../packages/core/src/state-machine.js';
import { TaskStateSchema, type TaskState } from '../../packages/core/src/schemas/task.js';

const STATES = TaskStateSchema.options as readonly TaskState[];

/** The life cycle as the README describes it, written out independently of TRANSITIONS. */
const ALLOWED: ReadonlyArray<[TaskState, TaskState]> = [
  ['backlog', 'in_progress'], ['backlog', 'cancelled'],
  ['in_progress', 'needs_input'], ['in_progress', 'ready_to_test'], ['in_progress', 'backlog'], ['in_progress', 'cancelled'],
  ['needs_input', 'in_progress'], ['needs_input', 'backlog'], ['needs_input', 'cancelled'],
  ['ready_to_test', 'approved'], ['ready_to_test', 'in_progress'], ['ready_to_test', 'backlog'], ['ready_to_test', 'cancelled'],
  ['approved', 'staging'], ['approved', 'in_progress'], ['approved', 'cancelled'],
  ['staging', 'production'], ['staging', 'in_progress'], ['staging', 'cancelled'],
  ['cancelled', 'backlog'],
];
const allowed = new Set(ALLOWED.map(([from, to]) => `${from}>${to}`));
const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as [TaskState, TaskState]));
const refused = pairs.filter(([from, to]) => !allowed.has(`${from}>${to}`));

describe('task state machine', () => {
  it('knows every task state and nothing else', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
    for (const targets of Object.values(TRANSITIONS)) for (const to of targets) expect(STATES).toContain(to);
  });

  it.each(ALLOWED)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each(refused)('%s → %s is refused with a 409 that names both states and what is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let thrown: unknown;
    try {
      assertTransition(from, to);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTransitionError);
    const error = thrown as InvalidTransitionError;
    expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from, to, allowed: TRANSITIONS[from] } });
    expect(error.message).toContain(`'${from}'`);
    expect(error.message).toContain(`'${to}'`);
    const next = TRANSITIONS[from];
    expect(error.message).toMatch(new RegExp(`allowed next states: ${next.length ? next.join(', ') : 'none'}$`));
  });

  it('no state moves to itself, and production is final', () => {
    for (const state of STATES) expect(canTransition(state, state)).toBe(false);
    expect(() => assertTransition('production', 'in_progress')).toThrow(/allowed next states: none/);
  });

  it('only in_progress and needs_input are in an agent’s hands', () => {
    expect([...ACTIVE_STATES].sort()).toEqual(['in_progress', 'needs_input']);
    expect(STATES.filter(isActive).sort()).toEqual(['in_progress', 'needs_input']);
  });
});
