// What a process is still loading after it started listening (the bundled data on a first start), as /ready reports it.

export type DatasetState = 'pending' | 'loading' | 'done' | 'failed';

export interface DatasetProgress {
  name: string;
  state: DatasetState;
  rows: number;
  ms: number | null;
}

export interface LoadingReport {
  state: 'idle' | 'loading' | 'done' | 'failed';
  /** seconds since the loading began, or the whole loading time once done */
  seconds: number | null;
  datasets: DatasetProgress[];
}

/** one per process: bootstraps announce their datasets and mark them off; /ready reads the report */
export class LoadingState {
  private readonly datasets: DatasetProgress[] = [];
  private startedAt: number | null = null;
  private finishedAt: number | null = null;
  private failed = false;
  private startedDataset = new Map<string, number>();

  /** announces datasets to load (idempotent per name) */
  plan(names: string[]): void {
    if (this.startedAt === null) this.startedAt = Date.now();
    this.finishedAt = null;
    for (const name of names) {
      if (!this.datasets.some((d) => d.name === name)) this.datasets.push({ name, state: 'pending', rows: 0, ms: null });
    }
  }

  begin(name: string): void {
    this.plan([name]);
    this.set(name, { state: 'loading' });
    this.startedDataset.set(name, Date.now());
  }

  done(name: string, rows: number): void {
    this.set(name, { state: 'done', rows, ms: Date.now() - (this.startedDataset.get(name) ?? Date.now()) });
  }

  fail(name: string): void {
    this.failed = true;
    this.set(name, { state: 'failed' });
  }

  /** the loading is over: every announced dataset that did not run counts as done with nothing to load */
  finish(): void {
    for (const d of this.datasets) if (d.state === 'pending') d.state = 'done';
    this.finishedAt = Date.now();
  }

  report(): LoadingReport {
    const state = this.failed ? 'failed' : this.startedAt === null ? 'idle' : this.finishedAt === null ? 'loading' : 'done';
    const end = this.finishedAt ?? Date.now();
    return {
      state,
      seconds: this.startedAt === null ? null : Math.round((end - this.startedAt) / 100) / 10,
      datasets: this.datasets.map((d) => ({ ...d })),
    };
  }

  private set(name: string, patch: Partial<DatasetProgress>): void {
    const d = this.datasets.find((x) => x.name === name);
    if (d) Object.assign(d, patch);
  }
}
