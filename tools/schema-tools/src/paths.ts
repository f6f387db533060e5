import { join, resolve } from 'node:path';

/** The workspace this tool lives in; defaults resolve from here, whatever the working directory. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const DEFAULT_SCHEMAS_DIR = join(REPO_ROOT, 'schemas');
export const DEFAULT_GENERATED_DIR = join(REPO_ROOT, 'libs', 'contracts', 'src', 'generated');
