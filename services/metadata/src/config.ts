// Settings of the metadata service, read at start with the process configuration: the bootstrap admin key.
import { defineSettings, keyPrefix, parsed } from '@datenpool/service-kit';

export interface MetadataConfig {
  /** DATENPOOL_ADMIN_KEY, trimmed; undefined: no bootstrap admin key */
  adminKey: string | undefined;
}

export const metadataSettings = defineSettings({
  name: 'metadata',
  variables: {
    DATENPOOL_ADMIN_KEY: parsed<string | undefined>({
      expected: 'an API key dp_<10 letters or digits>_<32+ characters>',
      secret: true,
      parse: (text) => {
        if (!keyPrefix(text)) throw new Error('must look like dp_<10 letters or digits>_<32+ characters>');
        return text;
      },
      refuses: ['dp_short_key', 'not-a-key'],
      description:
        'a first admin API key, stored hashed at start. Keys go in `Authorization: Bearer <key>`; a key in the URL (`?api_key=`, `?access_token=`, or any key-shaped value) is a 400 naming the parameter and is redacted in the log (services/metadata/README.md, Access)',
    }),
  },
  assemble: (v): MetadataConfig => ({ adminKey: v.DATENPOOL_ADMIN_KEY }),
});
