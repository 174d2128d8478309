import type { MessageKey } from './ru';
import type { Params } from './translate';

/** A translator, passed into pure formatting functions so they stay testable. */
export type Translate = (key: MessageKey, params?: Params) => string;
