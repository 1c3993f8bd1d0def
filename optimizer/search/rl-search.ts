import { BASELINE_BITS, bitsAt } from '../../arch/plan';
import { purposeStream, seedStream } from './seed-stream';
import type { ResolvedNetwork } from '../../workloads/types';
import { DdpgAgent, DEFAULT_DDPG, gaussian, type DdpgSettings } from './ddpg';
import { candidateKey, CandidateEvaluator, MAX_SEARCH_BITS, MIN_SEARCH_BITS, type EvaluatedCandidate } from './evaluator';
import { TopK } from './top-k';
import { admitElite, DEFAULT_ELITE_EPISODES, eliteAbove, planDeficit, type Elite } from './elite-rank';
import { bitsToAction, staticFeatures, STATE_EXTRAS, STATE_SIZE, type ProductStep } from './state';
import { eliteRank, learnedReward } from './reward';
import { DEFAULT_RANK_REWARD, RankReward, type RankRewardSettings } from './rank-reward';
import { separableTerms } from './product-bits';
import { tensorLeaders, type TensorActionMode } from './tensor-actions';
import { assertRepairCost, episodeReserve } from './step-wall';
import { record, type EpisodeRecord } from './history';
import { CriticEnsemble } from './critic-ensemble';
import { screenedRollout, type RolloutSetup, type ScreenedCandidate } from './rollout';
import { DEFAULT_ELITE_LOCAL, drawLocalEpisode, type EliteLocalSettings } from './elite-local';
import { DEFAULT_ELITE_CROSS, drawCrossEpisode, type EliteCrossSettings } from './elite-cross';
import { drawHead, HeadAssignment } from './actor-heads';
import { CemSearch, DEFAULT_CEM, type CemSettings } from './cem-rl';
import { rememberEpisode } from './replay';
import { checkSearchSettings, DEFAULT_UPDATES } from './check-settings';

export type { EpisodeRecord } from './history';
export type { Rollout, ScreenedCandidate } from './rollout';

export interface SearchSettings extends EliteLocalSettings, EliteCrossSettings, RankRewardSettings, CemSettings {
  seed: number | string;
  /** Search episodes after the warm-up. HAQ: 600. */
  episodes: number;
  /**
   * Random-action episodes that fill the replay buffer (and seed the self-imitation elite) first. HAQ: 20.
   * @default max(20, episodes / 6): 100 at 600 (docs/validation.md, search study: the agent then refines a good
   * plan instead of first having to find one)
   */
  warmupEpisodes: number;
  /**
   * Initial exploration sd (HAQ 0.5), multiplied by `noiseDecay` each search episode (HAQ 0.99; default 0.995:
   * at 0.99 the sd is 0.025 by episode 300 and the last half of the search resamples one plan, docs/validation.md).
   */
  noiseSd: number;
  noiseDecay: number;
  /**
   * Layers whose action gets the exploration noise in a search episode, in expectation (each step with
   * probability noiseLayers / steps); the others take the actor's own action. 0: every layer (HAQ). With the
   * actor imitating the best episode, a few perturbed layers explore next to that plan (tried: 2 layers on
   * ResNet-50 and MobileNetV2, seeds 1-3, was worse than noise on every layer, optimizer/README.md). @default 0
   */
  noiseLayers: number;
  /**
   * Warm-up episodes sample around a centre drawn per episode (weights and activations each uniform in [0, 1],
   * the spread uniform in [0.05, 0.5]) instead of uniformly per layer (HAQ): plans with most weights low and
   * activations high (or the reverse) are where the basins differ (docs/validation.md, session 6), and uniform
   * per-layer draws almost never produce them. @default true
   */
  structuredWarmup: boolean;
  /**
   * A per-episode offset shared by every layer's action, N(0, episodeNoise x sd) per action dimension, added to
   * the actor's means before the per-layer noise: a search episode can then move all weights (or activations) a
   * bit down together, which per-layer noise around the imitated plan does not reach. 0: none (HAQ). Tried at 1
   * (session 6, seeds 1-3): ResNet-50 5177 against 5160 img/s without, VGG-16 2534 against 2549, MobileNetV2 6264
   * against 6441, so not the default. @default 0
   */
  episodeNoise: number;
  /**
   * Exploration noise shared by the layers whose activation bits are coupled (readers of one stored tensor, e.g. a
   * ResNet block's first conv and the conv that hosts its fused residual add; CandidateEvaluator.activationGroups):
   * per search episode and group, one N(0, groupNoise x sd) offset on the activation action of every member, so
   * the tensor's bits (the members' largest abits, rule 2) can move, which independent per-layer noise seldom does
   * (ResNet-18: the 9320 img/s plateau, docs/validation.md). 0: none. @default 0
   */
  groupNoise: number;
  /**
   * Activation actions per stored tensor (tensor-actions.ts): 0, one per layer (HAQ); 1 (cap), the first reader of
   * a coupled tensor sets its bits and later readers are capped at them; 2 (tie), later readers take them. Tried
   * (session 9, 10 seeds): no gain beyond the seed spread, docs/validation.md. @default 0
   */
  tensorActions: TensorActionMode;
  /**
   * Share of the search episodes that explore in parameter space (Plappert et al., ICLR 2018) instead of by action
   * noise: the episode acts with a copy of the actor whose every weight and bias carries N(0, sigma) noise, so the
   * layers' actions move together wherever their states are alike. sigma adapts (x or / 1.1 per such episode) so the
   * RMS action distance from the actor on the episode's states follows paramNoiseScale x the action noise sd of
   * the schedule. 0: none (HAQ). @default 0
   */
  paramNoise: number;
  /** Target action distance of the parameter-noise episodes, as a multiple of the noise sd of the schedule. @default 1 */
  paramNoiseScale: number;
  /** Search episode (counted after the warm-up) from which parameter-noise episodes are drawn. @default 0 */
  paramNoiseAfter: number;
  /** Action noise in the parameter-noise episodes too, sd this x the schedule's. 0: none. @default 0 */
  paramActionNoise: number;
  /**
   * Critic screening: each search episode that acts with the actor and action noise rolls out this many candidate
   * episodes, each with its own noise draws (no model evaluation: the states depend only on the steps, the actions
   * and the budget and cores spent), and evaluates only the one the critic values most (DdpgAgent.episodeValue);
   * evaluations per run are unchanged. 1: none (HAQ), the same draws and plans as before the setting. @default 1
   * (s70, 15 seeds at 16: ResNet-18 -2.3%, ResNet-50 -3.5%, MobileNetV2 -2.6%; the critic barely ranks one episode's
   * candidates, docs/validation.md)
   */
  critScreen: number;
  /** With critScreen > 1: the search episode (counted after the warm-up) from which episodes are no longer screened. 0: all are. @default 0 */
  critScreenUntil: number;
  /**
   * With critScreen > 1: a candidate's score is the critic's value plus this x the spread of a 4-critic ensemble's
   * values over it (critic-ensemble.ts: optimism where the replay has no data). 0: none. @default 0
   */
  critScreenBonus: number;
  /** Minibatch updates after each search episode (HAQ: one per step; fewer here for speed, see README). @default 4 */
  updatesPerEpisode: number;
  /** Further minibatch updates per agent step of each search episode (HAQ: 1, with no per-episode ones). @default 0 */
  updatesPerStep: number;
  /**
   * Critic targets bootstrap through the episode's later steps (HAQ: true, discount 1, so a step's value is the
   * sum of the rewards still to come); false stores each step as terminal, so the critic regresses the episode's
   * reward on the step's state and action directly.
   */
  bootstrap: boolean;
  /**
   * Replay the realised (repaired) bits instead of the agent's own actions. HAQ replays its own actions (the
   * critic learns what an action leads to after the constraint is enforced); realised bits leave the actor's
   * outputs outside what the critic has seen whenever repair moves them. @default false
   */
  replayRealised: boolean;
  /**
   * With a separable accuracy oracle, clamp each step's bits so the episode never spends more than the accuracy
   * budget (AMC's action wall; the state carries the budget spent), instead of leaving it to the repair after
   * the episode. @default true
   */
  stepWall: boolean;
  /** Repair and wall: the +1 bit with most drop removed per (extra cost)^repairCost (repair.ts; evaluator too). HAQ: 0. @default 0 */
  repairCost: number;
  /** With stepWall: the wall raises any layer visited so far, in the repair's order (not only the current one). @default false */
  wallRepair: boolean;
  /** With repairCost: the cost is the stage time a bit adds against the best plan so far (repair.ts pressureCost). @default false */
  repairPressure: boolean;
  /**
   * With stepWall: a step may spend only the budget less wallReserve x what the later steps' layers spend in the best
   * plan so far, so the last layers do not pay alone. 0: AMC's wall. @default 0.5 (session 10, 10 seeds, RL means with
   * smoothRank 0.1 against the old defaults: ResNet-18 10482 / 9380, ResNet-50 5675 / 5448, MobileNetV2 5661 / 5659)
   */
  wallReserve: number;
  /**
   * Best distinct episodes whose steps the actor imitates (with ddpg.imitationWeight > 0). @default 3 (session 7
   * search study, 5 seeds each: mean RL img/s with 3 against 1: ResNet-18 9527 / 9073, ResNet-20 39141 / 37445,
   * ResNet-50 5227 / 5113, MobileNetV2 5626 / 5498, VGG-16 equal, AlexNet 18545 / 18555; the single elite held a
   * seed in the basin of its best warm-up plan, docs/validation.md)
   */
  eliteEpisodes: number;
  /**
   * From this search episode on (counted after the warm-up), the actor imitates the best elite episode only, so the
   * last episodes explore next to the best plan instead of between the elites. 0: never. @default 0
   */
  eliteNarrowAfter: number;
  /**
   * Restart after this many search episodes without a better plan: the noise goes back to noiseSd (decaying
   * again) and the imitation targets are cleared, so the actor follows the best plan of a new basin instead of
   * resampling the old one (the best plan so far stays the search's answer). 0: never. Tried at 100: VGG-16
   * better, ResNet-50 worse (optimizer/README.md). @default 0
   */
  restartAfter: number;
  /** When set, the replay buffer holds this many episodes' transitions (overrides ddpg.replaySize; HAQ: 128). */
  replayEpisodes?: number;
  /**
   * Reward shaping: the agent learns from -((1 - w) log cost + w log smoothCost), where smoothCost puts the
   * p-norm of all stage times in place of the bottleneck (evaluator.ts), so speeding up any near-bottleneck stage
   * is rewarded where the true cost stays on a plateau until all of them are; plans are still ranked by their
   * true cost. 0: HAQ's -log(cost). @default 0
   */
  smoothShaping: number;
  /**
   * Reward shaping (reward.ts): the agent learns from its reward minus bitShaping x the plan's pressure-weighted
   * bits, and ranks the episodes it imitates by the same, so among plans of equal cost it follows the one with
   * fewer bits where the stages bind. 0: HAQ's -log(cost). @default 0
   */
  bitShaping: number;
  /**
   * Elite ranking only (reward.ts eliteRank): the episodes the actor imitates rank by their reward less smoothRank x
   * log(smoothCost / cost), so among plans of equal cost the one whose other stages have more slack comes first.
   * 0: true cost only. @default 0.1 (with wallReserve 0.5, session 10; alone it lifted ResNet-18 only, session 9)
   */
  smoothRank: number;
  /**
   * Elite ranking only (reward.ts eliteRank): the imitated episodes rank by their reward less reachRank x
   * log(reach / bottleneck), reach being the interval the plan's bits reach by compute alone within the core budget
   * (CandidateEvaluator.computeReachCycles, no model evaluation), so among plans of equal cost the one with most
   * compute slack is followed along a plateau. 0: none. @default 0 (s64, 25 seeds at 0.1: ResNet-18 +3.0%, ResNet-50
   * +1.0%, MobileNetV2 -0.8%, within the seed spread; 1: -12% to -17%; docs/validation.md)
   */
  reachRank: number;
  /**
   * Elite tie-break, lexicographic (elite-rank.ts): among imitated episodes of equal reward, fewest cores short of the
   * interval (1 - deficitDelta) x their own first (search/deficit.ts); 0: none; 1: the placement's floors fixed; 2:
   * scaled. @default 0 (s74: within the seed spread, docs/validation.md)
   */
  deficitRank: number;
  /** With deficitRank: the best plan so far breaks cost ties by the deficit too (the step wall's reserve reads it). @default false */
  deficitBest: boolean;
  /** With deficitRank: the target's step below the interval, relative; 0: the next compute level. @default 0.01 */
  deficitDelta: number;
  /**
   * The state also carries STATE_EXTRAS features (state.ts): coupled activation bits, follower of an earlier step
   * on the same tensor, the layer's pressure in the best plan so far. HAQ: false. @default false
   */
  stateExtras: boolean;
  /**
   * On a network with products of two activations (attention's Q.K^T and A.V), one agent step per product sets its
   * own bits (the action's second component; the accuracy proxy charges them with its attention-map terms), in
   * network order among the layers' steps; false leaves them at their default, the output projection's abits.
   * @default true
   */
  productSteps: boolean;
  /** Evaluations the local polishing after the search may spend (0: none). @default 600 */
  polishEvaluations: number;
  /** Weighted layers whose bits stay at 8 (default: first and last). */
  fixedLayers: number[];
  topK: number;
  ddpg: DdpgSettings;
  onEpisode?: (record: EpisodeRecord) => void;
  /**
   * With critScreen > 1: each screened episode's candidates, the critic's per-step values, the screening score and
   * the actor's own (noise-free) actions at the candidate's states, for probes (computed only when set; no draw).
   */
  onScreen?: (episode: number, candidates: readonly ScreenedCandidate[], chosen: number) => void;
}

/** Settings a caller may override; the agent's settings merge field by field with the defaults. */
export type SearchOverrides = Partial<Omit<SearchSettings, 'ddpg'>> & { ddpg?: Partial<DdpgSettings> };

/** Random warm-up episodes before the agent acts: a sixth of the search episodes, at least HAQ's 20 (100 at 600). */
export function defaultWarmupEpisodes(episodes: number): number {
  return Math.max(20, Math.round(episodes / 6));
}

export function defaultSearchSettings(net: ResolvedNetwork, overrides: SearchOverrides = {}): SearchSettings {
  const n = net.weightedIndices.length;
  const fixedLayers = overrides.fixedLayers ?? (n > 1 ? [0, n - 1] : [0]);
  const steps = Math.max(1, n - new Set(fixedLayers).size);
  const replay = overrides.replayEpisodes !== undefined ? { replaySize: Math.max(1, overrides.replayEpisodes * steps) } : {};
  return {
    seed: 1,
    episodes: 600,
    warmupEpisodes: defaultWarmupEpisodes(overrides.episodes ?? 600),
    noiseSd: 0.5,
    noiseDecay: 0.995,
    noiseLayers: 0,
    bootstrap: true,
    replayRealised: false,
    stepWall: true,
    repairCost: 0,
    wallRepair: false,
    repairPressure: false,
    wallReserve: 0.5,
    eliteEpisodes: DEFAULT_ELITE_EPISODES,
    eliteNarrowAfter: 0,
    ...{ ...DEFAULT_ELITE_LOCAL, ...DEFAULT_ELITE_CROSS, ...DEFAULT_RANK_REWARD, ...DEFAULT_CEM, ...DEFAULT_UPDATES },
    restartAfter: 0,
    paramNoise: 0,
    paramNoiseScale: 1,
    paramActionNoise: 0,
    paramNoiseAfter: 0,
    critScreen: 1,
    critScreenUntil: 0,
    critScreenBonus: 0,
    structuredWarmup: true,
    episodeNoise: 0,
    groupNoise: 0,
    tensorActions: 0,
    smoothShaping: 0,
    bitShaping: 0,
    smoothRank: 0.1,
    reachRank: 0,
    deficitRank: 0,
    deficitDelta: 0.01,
    deficitBest: false,
    stateExtras: false,
    productSteps: true,
    polishEvaluations: 600,
    fixedLayers,
    topK: 5,
    ...overrides,
    ddpg: { ...DEFAULT_DDPG, ...overrides.ddpg, ...replay },
  };
}

export interface SearchResult {
  best: EvaluatedCandidate | undefined;
  top: EvaluatedCandidate[];
  history: EpisodeRecord[];
  evaluations: number;
}

/**
 * HAQ-style DDPG search over per-layer (weight, activation) bits: one agent step per free layer with a
 * two-dimensional action (weights, activations), the whole episode rewarded with the final -log(cost) of the
 * plan under its best replication (a reward given to every step, as HAQ does).
 */
export async function rlSearch(net: ResolvedNetwork, evaluator: CandidateEvaluator, settings: SearchSettings): Promise<SearchResult> {
  checkSearchSettings(settings, 'rlSearch settings');
  const random = seedStream(settings.seed);
  const n = net.weightedIndices.length;
  const fixed = new Set(settings.fixedLayers);
  const free = [...Array(n).keys()].filter((i) => !fixed.has(i));
  const productLayers = settings.productSteps ? evaluator.productLayers() : [];
  const searchedProducts = productLayers.map(() => 1);
  // With products searched, a projection's term no longer carries its products: they are charged at their own steps.
  const terms = separableTerms(evaluator.oracle, searchedProducts);
  const budgetPct = evaluator.settings.accuracyBudgetPct;
  const wall = settings.stepWall && terms !== undefined;
  assertRepairCost(evaluator, settings);
  const cost = evaluator.repairCost();
  const productSteps: ProductStep[] = productLayers.map((layerIndex, j) => ({
    layerIndex,
    holder: evaluator.oracle.productDefaultLayer?.[j] ?? n - 1,
    drop3: terms?.product(j, 3) ?? 0,
  }));
  const features = staticFeatures(net, terms?.layer, productSteps);
  // The agent's steps in network order: the free weighted layers (k: position) and the products (k: product index).
  const steps = [
    ...free.map((k) => ({ product: false, k, at: net.weightedIndices[k] ?? 0 })),
    ...productLayers.map((at, k) => ({ product: true, k, at })),
  ].sort((x, y) => x.at - y.at);
  const featureOf = (step: { product: boolean; k: number }): number[] => features[step.product ? n + step.k : step.k] ?? [];
  // Groups of two or more free layers whose activation bits are coupled, by their smallest position.
  const groupOf = evaluator.activationGroups();
  const members = new Map<number, number>();
  for (const k of free) members.set(groupOf[k] ?? k, (members.get(groupOf[k] ?? k) ?? 0) + 1);
  const coupled = [...members].filter(([, count]) => count > 1).map(([g]) => g);
  const stepOffset = (step: { product: boolean; k: number }, episodeOffset: number[] | undefined, groups: ReadonlyMap<number, number>): number[] | undefined => {
    const shared = step.product ? undefined : groups.get(groupOf[step.k] ?? step.k);
    if (shared === undefined) return episodeOffset;
    return [episodeOffset?.[0] ?? 0, (episodeOffset?.[1] ?? 0) + shared];
  };
  const leaders = settings.tensorActions > 0 ? tensorLeaders(net, groupOf, free, fixed) : new Map<number, number>();
  const agent = new DdpgAgent(STATE_SIZE + (settings.stateExtras ? STATE_EXTRAS : 0), 2, settings.ddpg, random);
  const heads = new HeadAssignment(agent.headCount, settings.ddpg.actorHeadSticky);
  const ensemble =
    settings.critScreen > 1 && settings.critScreenBonus > 0
      ? new CriticEnsemble(agent.stateSize, 2, settings.ddpg.hidden, 4, settings.ddpg.replaySize, purposeStream(settings.seed, 'ensemble'))
      : undefined;
  const shaping = { smoothShaping: settings.smoothShaping, bitShaping: settings.bitShaping, smoothRank: settings.smoothRank, reachRank: settings.reachRank };
  // The extra state features of a step (none unless stateExtras), the pressure read from the best plan so far.
  const extrasOf = (step: { product: boolean; k: number }): number[] => {
    if (!settings.stateExtras) return [];
    if (step.product) return [0, 0, 0];
    const g = groupOf[step.k] ?? step.k;
    const coupledHere = (members.get(g) ?? 0) > 1;
    const best = top.best;
    const pressure = best && best.bottleneckCycles > 0 ? (best.pressureCycles[step.k] ?? 0) / best.bottleneckCycles : 0;
    return [coupledHere ? 1 : 0, coupledHere && g < step.k ? 1 : 0, pressure];
  };
  const deficitOf = planDeficit(evaluator, settings);
  const top = new TopK(settings.topK, settings.deficitRank > 0 && settings.deficitBest ? deficitOf : undefined);
  const setup: RolloutSetup = { n, fixed, steps, productLayers, terms, budgetPct, cost, evaluator, leaders, groupOf, settings, agent, random, featureOf, extrasOf, stepOffset };
  const history: EpisodeRecord[] = [];
  const ranked = settings.rankReward ? new RankReward(settings.rankReward) : undefined;
  const elite: Elite[] = [];
  const above = eliteAbove(settings.deficitRank);
  let noiseFrom = settings.warmupEpisodes;
  let improvedAt = settings.warmupEpisodes;
  let eliteChanged = false;
  let narrowed = false;
  let paramSd = 0.05;
  // CEM-RL (cemPop): every search episode is a population member's (cem-rl.ts); no draw while off.
  const cem = settings.cemPop > 0 ? new CemSearch(settings, settings.episodes, random) : undefined;
  // The action a step's realised bits stand for (the product steps' first component is unused: kept as acted).
  const realised = (c: EvaluatedCandidate, step: { product: boolean; k: number }, acted: readonly number[]): number[] =>
    step.product
      ? [acted[0] ?? 0.5, bitsToAction(evaluator.productBitsInEffect(c)[step.k] ?? BASELINE_BITS, MIN_SEARCH_BITS, MAX_SEARCH_BITS)]
      : [bitsToAction(bitsAt(c.wbits, step.k), MIN_SEARCH_BITS, MAX_SEARCH_BITS), bitsToAction(bitsAt(c.abits, step.k), MIN_SEARCH_BITS, MAX_SEARCH_BITS)];
  for (let episode = 0; episode < settings.warmupEpisodes + settings.episodes; episode++) {
    const warm = episode < settings.warmupEpisodes;
    if (!warm && settings.restartAfter > 0 && episode - improvedAt >= settings.restartAfter) {
      noiseFrom = improvedAt = episode;
      elite.length = 0;
      heads.assign(agent, [], undefined, undefined);
    }
    const sd = warm ? 1 : settings.noiseSd * settings.noiseDecay ** (episode - noiseFrom);
    const head = warm ? undefined : drawHead(agent.headCount, random);
    if (head !== undefined) agent.selectHead(head);
    const reserve = episodeReserve(settings.wallReserve, steps, top.best, terms, evaluator);
    const noiseP = settings.noiseLayers > 0 ? Math.min(1, settings.noiseLayers / steps.length) : 1;
    // Structured warm-up: a centre and spread per episode; search: an offset shared by the episode's layers.
    const centre = warm && settings.structuredWarmup ? [random(), random()] : undefined;
    const spread = centre ? 0.05 + 0.45 * random() : 0;
    const offset = !warm && settings.episodeNoise > 0 ? [gaussian(random) * settings.episodeNoise * sd, gaussian(random) * settings.episodeNoise * sd] : undefined;
    // One shared activation offset per coupled group of layers (drawn in group order, only for groups of 2 or more).
    const groupOffset = new Map<number, number>();
    if (!warm && settings.groupNoise > 0) for (const g of coupled) groupOffset.set(g, gaussian(random) * settings.groupNoise * sd);
    const member = !warm && cem !== undefined;
    if (member) cem.before(agent, episode - settings.warmupEpisodes);
    const local = warm || member ? undefined : (drawCrossEpisode(settings, elite, random, steps.length) ?? drawLocalEpisode(settings, episode - settings.warmupEpisodes, elite, coupled, random, steps.length));
    // A one-bit-move episode is repaired after the episode, as polish's moves are: the wall would raise a step-down
    // at the same step again wherever the budget binds.
    const walled = wall && local?.moves === undefined;
    // No draw while paramNoise is 0, so the default search's random stream is unchanged.
    const perturbed = !warm && !member && local === undefined && settings.paramNoise > 0 && episode - settings.warmupEpisodes >= settings.paramNoiseAfter && random() < settings.paramNoise;
    const actedSd = paramSd;
    if (perturbed) agent.perturbActor(paramSd);
    // Critic screening (critScreen K > 1): K candidate passes, the one the critic values most is evaluated.
    const screened =
      !warm && !member && local === undefined && !perturbed && settings.critScreen > 1 && (settings.critScreenUntil === 0 || episode - settings.warmupEpisodes < settings.critScreenUntil);
    const draw = { warm, sd, noiseP, reserve, centre, spread, offset, groupOffset, local, perturbed: perturbed || member, walled };
    const plan = screenedRollout(setup, draw, screened, ensemble, episode);
    const { wbits, abits, productBits, states, actions } = plan;
    if (perturbed) paramSd = agent.perturbationDistance(states) > settings.paramNoiseScale * sd ? paramSd / 1.1 : paramSd * 1.1;
    const c = await evaluator.evaluate(wbits, abits, productLayers.length > 0 ? productBits : undefined);
    const before = top.best?.cost ?? Infinity;
    top.offer(c);
    if ((top.best?.cost ?? Infinity) < before) improvedAt = episode;
    const key = candidateKey(c);
    const rank = eliteRank(c, shaping, settings.reachRank > 0 && c.feasible ? evaluator.computeReachCycles(c.wbits, c.abits) : undefined);
    let admitted = false;
    if (c.feasible && settings.eliteEpisodes > 0 && settings.ddpg.imitationWeight > 0 && !elite.some((e) => e.key === key)) {
      const entry: Elite = { reward: rank, trueReward: c.reward, deficit: deficitOf(c), key, states: [], actions: [] };
      const fill = (e: Elite): void => {
        e.states = [...states];
        e.actions = steps.map((step, t) => realised(c, step, actions[t] ?? []));
      };
      if (admitElite(elite, entry, settings.eliteEpisodes, above, fill)) eliteChanged = admitted = true;
    }
    const narrow = settings.eliteNarrowAfter > 0 && episode - settings.warmupEpisodes >= settings.eliteNarrowAfter;
    if (narrow && !narrowed) eliteChanged = narrowed = true;
    if (eliteChanged) {
      const imitated = narrow ? elite.slice(0, 1) : elite;
      heads.assign(agent, imitated, admitted && !local ? head : undefined, key); // producer: only of an episode admitted now
      eliteChanged = false;
    }
    const learned = ranked ? ranked.next(learnedReward(c, shaping)) : learnedReward(c, shaping);
    if (member) cem.after(rank);
    rememberEpisode({ steps, agent, featureOf, settings }, states, actions, learned, (step, t) => realised(c, step, actions[t] ?? []), ensemble);
    const updates = settings.updatesPerEpisode + Math.round(settings.updatesPerStep * steps.length);
    if (!warm && !member) {
      for (let u = 0; u < updates; u++) {
        agent.update();
        ensemble?.update(settings.ddpg.batchSize, settings.ddpg.criticLr);
      }
    }
    const acted = local ? (local.sd ?? settings.eliteLocalSd) : perturbed ? actedSd : member ? settings.paramActionNoise * sd : sd;
    const row = record(episode, warm ? 'warmup' : local ? (local.sd === undefined ? 'local' : 'cross') : perturbed ? 'param' : member ? 'cem' : 'search', warm ? 0 : acted, c, top);
    history.push(row);
    settings.onEpisode?.(row);
  }
  return { best: top.best, top: [...top.items], history, evaluations: evaluator.evaluations };
}
