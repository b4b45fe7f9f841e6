/** A description of the machine a run happened on, so figures from different runs can be compared. */
import { cpus, loadavg, release, totalmem, type } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  ramGB: number;
  os: string;
  node: string;
  v8: string;
  date: string;
  /** 1, 5 and 15 minute load averages when the run started: a busy machine makes figures provisional. */
  loadAverage: number[];
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    ramGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()} ${process.arch}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export function describeMachine(info: Machine): string {
  return [
    `${info.cpu}, ${info.cores} cores, ${info.ramGB} GiB RAM, ${info.os}`,
    `Node ${info.node} (V8 ${info.v8}), ${info.date}, load average ${info.loadAverage.join(' / ')}`,
  ].join('\n');
}
