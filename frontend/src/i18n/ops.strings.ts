/** Strings of the «Шлюз» page and the top bar's no-bind warning. */
import type { Entry } from "./translate";

export const ruOps = {
  "nav.gateway": "Шлюз",
  "gateway.title": "Шлюз",
  "gateway.hint":
    "Соединения с SMSC оператора во всех процессах шлюза. Обновляется каждые 5 секунд.",
  "gateway.hintAccount":
    "Подключения вашей компании к SMSC оператора и их состояние. Обновляется каждые 5 секунд.",
  "gateway.links": "Соединения",
  "gateway.link": "Соединение",
  "gateway.process": "Процесс",
  "gateway.state": "Состояние",
  "gateway.rate": "Скорость, SMS/с",
  "gateway.rateOf": "{current} из {allowed}",
  "gateway.lastError": "Последняя ошибка",
  "gateway.noLinks": "Ни один процесс шлюза ещё не сообщил о соединениях",
  "gateway.status.bound": "Подключено",
  "gateway.status.connecting": "Переподключение с {since}",
  "gateway.status.down": "Нет связи с {since}",
  "gateway.stale": "процесс не отвечает",
  "gateway.queue": "Очередь",
  "gateway.queue.Pending": "Ждут отправки",
  "gateway.queue.Sending": "Отправляются",
  "gateway.queue.Sent": "Ждут отчёта о доставке",
  "gateway.alarm":
    "Нет связи с оператором: SMS не уходят, они ждут в очереди и уйдут после восстановления связи.",
} satisfies Record<string, Entry>;

export const enOps: Record<keyof typeof ruOps, Entry> = {
  "nav.gateway": "Gateway",
  "gateway.title": "Gateway",
  "gateway.hint":
    "Connections to the operator’s SMSC in every gateway process. Refreshes every 5 seconds.",
  "gateway.hintAccount":
    "Your company’s binds to the operator’s SMSC and their state. Refreshes every 5 seconds.",
  "gateway.links": "Connections",
  "gateway.link": "Connection",
  "gateway.process": "Process",
  "gateway.state": "State",
  "gateway.rate": "Rate, SMS/s",
  "gateway.rateOf": "{current} of {allowed}",
  "gateway.lastError": "Last error",
  "gateway.noLinks": "No gateway process has reported its connections yet",
  "gateway.status.bound": "Bound",
  "gateway.status.connecting": "Reconnecting since {since}",
  "gateway.status.down": "Down since {since}",
  "gateway.stale": "process not responding",
  "gateway.queue": "Queue",
  "gateway.queue.Pending": "Waiting to be sent",
  "gateway.queue.Sending": "Being sent",
  "gateway.queue.Sent": "Awaiting a delivery report",
  "gateway.alarm":
    "No connection to the operator: SMS are not going out; they wait in the queue and go once the link is back.",
};
