import { describe, expect, it } from 'vitest';
import { parseRedHatCpe, redHatEcosystem } from './cpe.js';

describe('redHatEcosystem: a product CPE to the RHEL major it matches, as Red Hat tells scanner vendors', () => {
  it.each([
    ['cpe:/o:redhat:enterprise_linux:8', 'Red Hat:8'],
    ['cpe:/a:redhat:enterprise_linux:9::appstream', 'Red Hat:9'],
    ['cpe:/o:redhat:rhel_eus:9.0::baseos', 'Red Hat:9'],
    ['cpe:/a:redhat:rhel_e4s:8.8::appstream', 'Red Hat:8'],
    ['cpe:/a:redhat:rhel_aus:7.7::server', 'Red Hat:7'],
    ['cpe:/a:redhat:enterprise_linux:10.0', 'Red Hat:10'],
    ['cpe:/a:redhat:openshift:4.16::el9', 'Red Hat layered:9'],
    ['cpe:/a:redhat:rhel_satellite_client:6::el7', 'Red Hat layered:7'],
    ['cpe:/a:redhat:openshift:4', undefined],
    ['cpe:/a:redhat:storage:3', undefined],
    ['cpe:/a:redhat:jboss_core_services:1', undefined],
    ['cpe:/o:suse:sles:15:sp5', undefined],
    ['cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*', undefined],
    ['not a cpe', undefined],
  ])('%s → %s', (cpe, ecosystem) => {
    expect(redHatEcosystem(cpe)).toBe(ecosystem);
  });

  it('reads the channel into the edition', () => {
    expect(parseRedHatCpe('cpe:/a:redhat:enterprise_linux:9::appstream')).toEqual({
      part: 'a',
      product: 'enterprise_linux',
      version: '9',
      update: '',
      edition: 'appstream',
    });
  });
});
