// The services the gateway mounts, in the order their routes are registered.
import { geometryService } from '@datenpool/geometry';
import { indicatorsService } from '@datenpool/indicators';
import { ingestService } from '@datenpool/ingest';
import { metadataService } from '@datenpool/metadata';
import { sdmxService } from '@datenpool/sdmx';
import type { ServiceDescriptor } from '@datenpool/service-kit';
import { viewerService } from '@datenpool/viewer';

export const services: ServiceDescriptor[] = [geometryService, metadataService, ingestService, indicatorsService, viewerService, sdmxService];
