// `using` needs lib esnext.disposable (or ES2025, or @types/node): compiled only where one is set.
import { Database } from "agentmux-schema";

export function dispose(): boolean {
  using db = Database.memory();
  return db.isClosed;
}
