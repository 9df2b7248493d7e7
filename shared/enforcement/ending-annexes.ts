/** What the EC2 event handler remembers between events of one container. */

import type { Annex } from "../domain/annex.ts";

/**
 * The annexes a container has seen stopping or ended, states an annex never leaves (the state
 * machine): the events of their instances (twenty thousand when ten thousand instances end at
 * once) need not read the annex again. A copy that says `stopping` may lag the end; all it
 * changes is that an instance record `endAnnex` left open keeps its last EC2 state. Bounded: the
 * oldest are forgotten first.
 */
export class EndingAnnexes {
  private readonly states = new Map<string, "stopping" | "ended">();
  constructor(private readonly limit = 10_000) {}

  stateOf(annexId: string): "stopping" | "ended" | undefined {
    return this.states.get(annexId);
  }

  note(annex: Pick<Annex, "id" | "state"> | undefined): void {
    if (annex === undefined || (annex.state !== "stopping" && annex.state !== "ended")) return;
    this.states.delete(annex.id);
    this.states.set(annex.id, annex.state);
    for (const oldest of this.states.keys()) {
      if (this.states.size <= this.limit) break;
      this.states.delete(oldest);
    }
  }
}
