export type { JointOption, JointResult, JointSettings } from './joint-milp';
export { jointOptions, paretoOptions, solveJoint } from './joint-milp';
