import { printFigure } from './bench/measure';
import { analyticalEvalsPerS } from './bench/model';
import { benchOnnxImportResnet50Ms } from './bench/onnx';

/** `npm run bench`: each figure as `name: value unit`. */
async function main(): Promise<void> {
  printFigure('analytical_evals_per_s', Math.round(analyticalEvalsPerS()), 'evaluations/s');
  printFigure('onnx_import_resnet50_ms', benchOnnxImportResnet50Ms(), 'ms');
  printFigure('peak_rss_mb', Math.round(process.resourceUsage().maxRSS / 1024), 'MB');
}

void main();
