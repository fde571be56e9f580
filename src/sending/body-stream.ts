/**
 * The body of one message as the engine's SMTP connections read it (src/sending/smtp-pool.ts):
 * it knows whether any byte was handed over (after that, a failure is `uncertain`), and it can wait
 * for a gate — the ledger statement that marks the row `sending` — before releasing them.
 */
import { Readable } from 'node:stream';

/** The body was held back because its gate said no: nothing of it reached the server. */
class BodyWithheld extends Error {
  constructor() {
    super('message withdrawn before its body');
  }
}

/**
 * A stream that records whether any of its bytes were handed to the connection. With a gate, the
 * bytes wait for it: the connection asks for them once the server has answered DATA, and they go
 * only if the gate resolves true; otherwise the stream fails and the session is dropped before the
 * terminating dot, so the server discards the message.
 */
export class BodyStream extends Readable {
  started = false;
  private asked = false;
  constructor(
    private readonly chunks: readonly Buffer[],
    private readonly gate: Promise<boolean> | undefined,
  ) {
    super();
  }
  override _read(): void {
    if (this.asked) return;
    this.asked = true;
    if (!this.gate) return this.release();
    this.gate.then(
      (ok) => (ok ? this.release() : this.destroy(new BodyWithheld())),
      () => this.destroy(new BodyWithheld()),
    );
  }
  private release(): void {
    this.started = true;
    for (const c of this.chunks) this.push(c);
    this.push(null);
  }
}
