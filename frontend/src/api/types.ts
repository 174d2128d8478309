/**
 * Shapes of the REST + WebSocket API (docs/api.md), named for the front end.
 * The structs come from generated.ts (compiled from shared-schemas/schemas.json); only the
 * few refinements the schema cannot say (an event's id is always present) live here.
 */
import type * as G from "./generated";

export type UserRead = G.UserRead;
export type EmployeeRead = G.EmployeeRead;
export type EmployeeCreate = G.EmployeeCreate;
export type EmployeeUpdate = G.EmployeeUpdate;
export type GroupRead = G.GroupRead;
export type GroupCreate = G.GroupCreate;
export type GroupUpdate = G.GroupUpdate;
export type DeliveryRead = G.DeliveryRead;
export type DeliverySummary = G.Summary;
export type MessageRead = G.MessageRead;
export type MessageCreate = G.MessageCreate;
export type LastMessage = G.LastMessage;
export type ThreadRead = G.ThreadRead;
export type MessagePage = G.ThreadPage;
export type SimulatorPhone = G.PhoneRead;
export type SimulatorMessage = G.PhoneMessage;
export type InboundCreate = G.InboundCreate;
export type WebUserRead = G.WebUserRead;
export type WebUserCreate = G.WebUserCreate;
export type WebUserUpdate = G.WebUserUpdate;
export type PermissionsRead = G.PermissionsRead;
export type PermissionsUpdate = Required<G.PermissionsUpdate>;
export type ResolvedEmployee = G.ResolvedEmployee;
export type TokenRead = G.TokenRead;
export type TokenCreated = G.TokenCreated;
export type TokenScope = G.TokenCreate["scopes"][number];
export type AuditEntry = G.AuditEntryRead;
export type AuditPage = G.AuditPage;
export type AccountRead = G.AccountRead;
export type UnroutedRead = G.UnroutedRead;
export type UnroutedPage = G.UnroutedPage;
export type AccountCreate = G.AccountCreate;
export type AccountUpdate = G.AccountUpdate;
export type Plan = AccountRead['plan'];
export type ContactRead = G.ContactRead;
export type ContactCreate = G.ContactCreate;
export type ContactPromote = G.ContactPromote;
export type ContactUpdate = G.ContactUpdate;
export type ContactResubscribe = G.ContactResubscribe;
export type AccountSettings = G.AccountSettings;
export type ThreadReadCount = G.ThreadReadCount;
/** Which recipients a message's delivery list shows. */
export type DeliveryFilter = 'all' | 'undelivered' | 'unanswered' | 'answered';
export type MailSettingsRead = G.MailSettingsRead;
export type MailSettingsUpdate = G.MailSettingsUpdate;
export type WebhookSettingsRead = G.WebhookSettingsRead;
export type WebhookSettingsUpdate = G.WebhookSettingsUpdate;
export type WebhookCallRead = G.WebhookCallRead;
export type WebhookCallPage = G.WebhookCallPage;
export type TemplateRead = G.TemplateRead;
export type TemplateRendered = G.TemplateRendered;

/** A subscription tag and how many employees follow it (GET /tags). */
export type TagCount = G.TagRead;

export type DeliveryStatus = G.DeliveryStatus;
export type Role = G.Role;
export type Direction = MessageRead["direction"];
export type ThreadKind = G.ThreadKind;

/** Every role, most powerful first. */
export const ROLES: readonly Role[] = ["Administrator", "Operator", "BaseUser"];

/** Every API token scope, in the order the form lists them. */
export const TOKEN_SCOPES: readonly TokenScope[] = [
  "messages:send",
  "messages:read",
  "directory:read",
  "directory:write",
];

/** Every status, in lifecycle order. */
export const STATUSES: readonly DeliveryStatus[] = [
  "Pending",
  "Sending",
  "Sent",
  "NotSent",
  "Delivered",
  "NotDelivered",
  "TimedOut",
  "Error",
  "Cancelled",
];

/** Recipients as the client builds them: every list present. */
export type Recipients = Required<G.Recipients>;

/** Events always carry their global id on the wire. */
export type MessageCreatedEvent = G.MessageCreated & { id: number };
export type DeliveryUpdatedEvent = G.DeliveryUpdated & { id: number };
export type ResyncEvent = G.Resync;

export type EmployeeCreatedEvent = G.EmployeeCreated & { id: number };
export type EmployeeUpdatedEvent = G.EmployeeUpdated & { id: number };
export type GroupCreatedEvent = G.GroupCreated & { id: number };
export type GroupUpdatedEvent = G.GroupUpdated & { id: number };
export type GroupDeletedEvent = G.GroupDeleted & { id: number };
export type UserCreatedEvent = G.UserCreated & { id: number };
export type UserUpdatedEvent = G.UserUpdated & { id: number };
export type ThreadReadEvent = G.ThreadMarkedRead & { id: number };
export type ThreadUpdatedEvent = G.ThreadUpdated & { id: number };
export type ContactCreatedEvent = G.ContactCreated & { id: number };
export type ContactUpdatedEvent = G.ContactUpdated & { id: number };
export type ContactDeletedEvent = G.ContactDeleted & { id: number };
export type AccountUpdatedEvent = G.AccountUpdated & { id: number };
export type ContactEvent = ContactCreatedEvent | ContactUpdatedEvent | ContactDeletedEvent;
export type MessageFoldedEvent = G.MessageFolded & { id: number };
export type TemplateEvent =
  | (G.TemplateCreated & { id: number })
  | (G.TemplateUpdated & { id: number })
  | (G.TemplateDeleted & { id: number });
export type ExportUpdatedEvent = G.ExportUpdated & { id: number };
export type ExportRead = G.ExportRead;

export type DirectoryEvent =
  | EmployeeCreatedEvent
  | EmployeeUpdatedEvent
  | GroupCreatedEvent
  | GroupUpdatedEvent
  | GroupDeletedEvent;
export type UserEvent = UserCreatedEvent | UserUpdatedEvent;
export type AppEvent =
  | MessageCreatedEvent
  | DeliveryUpdatedEvent
  | DirectoryEvent
  | UserEvent
  | ThreadReadEvent
  | ThreadUpdatedEvent
  | ContactEvent
  | AccountUpdatedEvent
  | MessageFoldedEvent
  | TemplateEvent
  | ExportUpdatedEvent;
export type ServerFrame = AppEvent | ResyncEvent;

export interface Items<T> {
  items: T[];
}

export type OperatorCounts = G.OperatorCountsRead;
export type OperatorCount = G.OperatorCountRead;
export type HttpProviderRead = G.HttpProviderRead;
export type HttpProviderWrite = G.HttpProviderWrite;
export type GatewayLinkRead = G.GatewayLinkRead;
export type GatewayStatusRead = G.GatewayStatusRead;
export type GatewayAlarmRead = G.GatewayAlarmRead;
// search
export type SearchFilters = G.SearchFilters;
export type SearchResults = G.SearchPage;
export type SearchHit = G.SearchHit;
export type HighlightPart = G.HighlightPart;
export type ImportReport = G.ImportReport;
export type ImportProblem = G.ImportProblem;
export type SmppBindRead = G.SmppBindRead;
export type SmppBindWrite = G.SmppBindWrite;
