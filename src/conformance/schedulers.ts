import type { ConformanceResult } from './result.js';
export function checkSchedulerFile(_file: string, _tol: number): ConformanceResult[] { return []; }
