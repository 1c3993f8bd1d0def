/** The piscina worker of `lrmp worker`: one queue job in, its result out (loaded from dist/ by the pool). */
import { runQueueJob } from '../queue/run-job';

export default runQueueJob;
