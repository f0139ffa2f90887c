// Summary lines of the fuzz tests (requests and cases tried) for CI: tap's terse reporter hides a passing file's
// comments, so the line also goes to $TEST_REPORT_DIR/summary.txt, which infra/test.sh prints after the run.
import { appendFileSync } from 'node:fs';
import path from 'node:path';

interface Commenter {
  comment(message: string): unknown;
}

export function reportSummary(t: Commenter, line: string): void {
  t.comment(line);
  const dir = process.env.TEST_REPORT_DIR;
  if (dir) appendFileSync(path.join(dir, 'summary.txt'), `${line}\n`);
}
