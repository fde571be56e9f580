/**
 * The configuration after boot-time resolution (src/app.ts): the database URL is known (a server
 * or the embedded one) and so are the secret keys (SECRET_KEY, or the stored generated one). Kept
 * beside Config, below every other module, so any layer can name it without importing the root.
 */
import type { Config } from './shape';

export type RuntimeConfig = Omit<Config, 'databaseUrl' | 'secretKey'> & {
  readonly databaseUrl: string;
  /** The key that signs (SECRET_KEY, or the generated one): secretKeys[0]. */
  readonly secretKey: string;
  /** Every key that verifies, the signing one first (src/settings.ts, resolveSecretKeys). */
  readonly secretKeys: readonly string[];
};
