/**
 * Whether any SMSC bind is up, for every user's top bar. Polled (GET /gateway/alarm, every 15 s while signed in):
 * link states are installation-wide, while the event log and its WebSocket channels are per account.
 */
import { api } from "../api/client";

const EVERY_MS = 15_000;
let anyBound = $state(true);
let timer: ReturnType<typeof setInterval> | null = null;

async function check(): Promise<void> {
  try {
    const alarm = await api.getGatewayAlarm();
    anyBound = alarm.any_bound;
  } catch {
    // A failed poll says nothing about the SMSC; the connection indicator covers the server being away.
  }
}

export const gatewayAlarm = {
  get down(): boolean {
    return !anyBound;
  },
  start(): void {
    if (timer !== null) return;
    void check();
    timer = setInterval(() => void check(), EVERY_MS);
  },
  stop(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
    anyBound = true;
  },
};
