export { escapeText } from './escape.js';
export { EXPECTED_BAND_WIDTH, expectedBand } from './expected-band.js';
export { stepsFromExecutionHistory } from './from-execution-history.js';
export { renderIncidentReportHtml } from './render-html.js';
export {
  buildIncidentReport,
  type ExecutionInfo,
  ExecutionInfoSchema,
  type ExecutionStep,
  ExecutionStepSchema,
  type IncidentReport,
  IncidentReportSchema,
  type ReportMetric,
  type ReportRound,
  type ReportStep,
} from './report-model.js';
export { summariseStep } from './step-summary.js';
export { type MarkerKind, renderTimelineSvg, type TimelineMarker, timelineMarkers, type TimelineSvgOptions } from './timeline-svg.js';
