import type { ResolvedNetwork } from '../../workloads/types';

/**
 * The agent's activation actions per stored tensor (docs/hardware-model.md rule 2: a tensor is stored at the
 * largest abits of its readers, so its traffic falls only when every reader's abits fall together).
 *
 * Modes (SearchSettings.tensorActions):
 * - 0 (HAQ): every layer's activation action sets its own abits.
 * - 1 (cap): the first reader of a coupled tensor (its group's leader, the smallest position: the agent visits it
 *   first) sets the tensor's bits with its action; each later reader takes min(its own action's bits, the
 *   leader's), so one action moves the tensor for all its readers and a reader may still read fewer bits.
 * - 2 (tie): later readers take the leader's bits; their own activation action is unused.
 */
export type TensorActionMode = 0 | 1 | 2;

/** Elements of each weighted layer's main input (its first input tensor). */
function mainInputElements(net: ResolvedNetwork): number[] {
  return net.weightedIndices.map((i) => {
    const shape = net.layers[i]?.inShapes[0];
    return (shape?.channels ?? 0) * (shape?.height ?? 1) * (shape?.width ?? 1);
  });
}

/**
 * Per free weighted position, the position whose activation bits cap (or set) its own: the leader of its coupled
 * group (`groups`: CandidateEvaluator.activationGroups). Left to their own action: leaders, uncoupled layers,
 * groups with a fixed member (a fixed reader keeps the tensor at its bits whatever the others do, so coupling the
 * free ones buys no traffic), and a later reader whose main input is larger than the leader's (its abits then
 * mostly set that other tensor, e.g. MobileNetV2's projection conv, which reads the 6x-expanded depthwise output and
 * hosts the residual add of the narrow block input: tying it to the expansion conv cost 2% there, docs/validation.md).
 */
export function tensorLeaders(net: ResolvedNetwork, groups: readonly number[], free: readonly number[], fixed: ReadonlySet<number>): Map<number, number> {
  const inputs = mainInputElements(net);
  const members = new Map<number, number[]>();
  groups.forEach((g, pos) => members.set(g, [...(members.get(g) ?? []), pos]));
  const leaders = new Map<number, number>();
  for (const k of free) {
    const group = members.get(groups[k] ?? k) ?? [k];
    if (group.length < 2 || group.some((m) => fixed.has(m))) continue;
    const leader = Math.min(...group);
    if (leader !== k && (inputs[k] ?? 0) <= (inputs[leader] ?? 0)) leaders.set(k, leader);
  }
  return leaders;
}

/** A follower's abits under the mode, from its own action's bits and its leader's realised abits. */
export function followerBits(mode: TensorActionMode, own: number, leader: number | undefined): number {
  if (leader === undefined || mode === 0) return own;
  return mode === 1 ? Math.min(own, leader) : leader;
}
