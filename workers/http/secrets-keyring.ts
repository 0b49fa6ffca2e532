/**
 * The secrets keyring for a route: a missing or too short KILN_SECRETS_KEY is a 503 that says so.
 */
import { AppError } from "../lib/errors";
import { type Keyring, keyringOf, SealingError } from "../lib/infra/sealing";

export async function secretsKeyring(env: Env): Promise<Keyring> {
  try {
    return await keyringOf(env);
  } catch (error) {
    if (error instanceof SealingError) throw new AppError("internal", 503, error.message);
    throw error;
  }
}
