/** The piscina worker of `lrmp sweep`: one task in, one row's outcome out (loaded from dist/ by the pool). */
import { evaluatePoint } from '../sweep/point';

export default evaluatePoint;
