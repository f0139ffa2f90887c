// The services the gateway mounts, in the order their routes are registered.
import type { ServiceDescriptor } from '@datenpool/service-kit';

export const services: ServiceDescriptor[] = [];
