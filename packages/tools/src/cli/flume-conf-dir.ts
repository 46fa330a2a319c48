import { stat } from 'node:fs/promises';
import { UsageError } from './usage-error.js';

/**
 * `-c/--conf <dir>` as the flume-ng script takes it: the configuration directory it sources
 * flume-env.sh from and puts first on the JVM's classpath (log4j2.xml). flume-rpc has no JVM and
 * runs no shell script, so nothing is read from it; accepting it lets `flume-ng avro-client`
 * command lines run unchanged, and the returned note says so rather than ignoring it silently.
 * A file there is refused: it is most likely a client properties file, which is -P/--rpcProps.
 */
export async function flumeConfDirNote(dir: string): Promise<string> {
  const info = await stat(dir).catch((err: Error) => {
    throw new UsageError(`-c/--conf ${dir}: ${err.message} (the flume-ng configuration directory)`);
  });
  if (!info.isDirectory()) {
    throw new UsageError(
      `-c/--conf ${dir}: not a directory. -c/--conf is flume-ng's configuration directory; give the client properties file with -P/--rpcProps`,
    );
  }
  return `note: -c/--conf ${dir}: flume-ng's configuration directory (flume-env.sh, log4j2.xml); flume-rpc reads nothing from it`;
}
