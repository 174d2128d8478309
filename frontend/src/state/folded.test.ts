import { describe, expect, it } from "vitest";
import type { MessageFoldedEvent } from "../api/types";
import { message } from "../testing/fixtures";
import { applyFolded } from "./timeline";

const folded = (count: number): MessageFoldedEvent => ({
  id: 50,
  type: "message.folded",
  message_id: 1,
  folded: count,
  thread_ids: [3],
});

describe("applyFolded", () => {
  it("sets the folded count of the message it names only", () => {
    const next = applyFolded(
      [message({ id: 1 }), message({ id: 2 })],
      folded(6),
    );
    expect(next.map((m) => m.folded ?? 0)).toEqual([6, 0]);
  });
  it("never lowers a count (a replayed older event)", () => {
    const next = applyFolded([message({ id: 1, folded: 6 })], folded(2));
    expect(next[0].folded).toBe(6);
  });
});
