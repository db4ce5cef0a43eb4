/**
 * knobs/vis: plots for the browser — live training curves (uPlot), a confusion-matrix heatmap,
 * image grids for weights and feature maps — and the HTML report renderer fit's `report` uses.
 * uPlot is an optional peer dependency: install it (`npm i uplot`) and include its stylesheet
 * (`import 'uplot/dist/uPlot.min.css'`) to use TrainingCurves.
 */
export { TrainingCurves, type TrainingCurvesOptions } from './curves.js';
export { drawConfusionMatrix, type ConfusionMatrixOptions } from './confusion.js';
export { drawImageGrid, type ImageGridOptions } from './images.js';
export { renderReport, type ReportData, type ReportPanel, type ReportSeries } from './report.js';
