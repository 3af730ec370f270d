/** The name of the experiment/run tag that records the owning tenant. */
export const TENANT_TAG = 'matih.tenant_id';

/** Tenant ids: lowercase letters, digits and `-`, 1–63 characters. */
export const TENANT_ID_PATTERN = /^[a-z0-9-]{1,63}$/;
