/**
 * Images a simulation should stream to measure a steady state, from the model's single-image latency and interval:
 * 4, or, when the pipeline holds more than 4 images at once (a transformer's encoder blocks each wait for a whole
 * sequence: 8-15 images in flight), twice the images in flight plus 4. With 4 images such a pipeline never fills:
 * BERT-base's baseline with rewritten-crossbar attention simulated 53% faster than its steady state.
 */
export function imagesForSteadyState(latencyCycles: number, intervalCycles: number): number {
  const inFlight = Math.ceil(latencyCycles / Math.max(1, intervalCycles));
  return inFlight > 4 ? 2 * inFlight + 4 : 4;
}
