export { barChart, lineChart, ganttChart } from './charts';
export type { BarChartSpec, BarSeries, LineChartSpec, LineSeries, LinePoint, GanttSpec, GanttBar, Reference } from './charts';
export { stageTimePlot, stageTimesFromResults, improvementPlot, timelinePlot, sweepPlot, fieldAxisTitle } from './lrmp-plots';
export type { LayerStageTimes, StagedResult, BenchmarkImprovement, SweepMetric } from './lrmp-plots';
export { escapeXml, formatTick, formatTicks, niceTicks } from './svg';
export { writeOptimizePlots } from './optimize-plots';
