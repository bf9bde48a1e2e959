import { ReadModel } from '#projections';

/** A read model file's checkpoint and every projected row, for comparing two read models. */
export const readModelDump = (file: string): { checkpoint: number; rows: Record<string, unknown[]> } => {
  const readModel = new ReadModel(file);
  try {
    return { checkpoint: readModel.checkpoint('upward-report'), rows: readModel.canonicalDump() };
  } finally {
    readModel.close();
  }
};
