export { PUBLISHED, CSV_COLUMNS, resultsCsv, resultsMarkdown, lrmpRow } from './report';
export type { ReproduceRow, NetworkNote, ReportInput } from './report';
