import { describe, expect, it } from 'vitest';
import { isModularRelease, purlModuleStream, titleModuleStreams } from './rpm-module.js';

// Titles and releases as AlmaLinux's and Rocky's records in fixtures/vuln write them.
describe('rpm module streams of an erratum', () => {
  it.each([
    ['Moderate: ruby:3.3 security, bug fix, and enhancement update', ['ruby:3.3']],
    ['Moderate: python39:3.9 and python39-devel:3.9 security update', ['python39:3.9', 'python39-devel:3.9']],
    ['Important: httpd:2.4/mod_http2 security update', ['httpd:2.4']],
    ['idm:client and idm:DL1 bug fix and enhancement update', ['idm:client', 'idm:DL1']],
    ['container-tools:rhel8 security, bug fix, and enhancement update', ['container-tools:rhel8']],
    ['Important: kernel security update', []],
    ['Important: varnish security update', []],
  ])('%s → %j', (title, streams) => {
    expect(titleModuleStreams(title)).toEqual(streams);
  });

  it('tells modular releases by their disttag', () => {
    expect(isModularRelease('1:1.24.6-7.module_el8.9.0+3627+db8ec155')).toBe(true);
    expect(isModularRelease('0:3.3.1-2.module+el9.4.0+20787+4c237fd3')).toBe(true);
    expect(isModularRelease('4.18.0-553.123.2.rt7.464.el8_10')).toBe(false);
    expect(isModularRelease('115.6.0-1.el9_3.alma')).toBe(false);
  });

  it('reads a purl rpmmod qualifier as name:stream', () => {
    expect(
      purlModuleStream('pkg:rpm/redhat/nodejs@18.20.4-1?arch=x86_64&rpmmod=nodejs:18:9040020240807145403:rhel9'),
    ).toBe('nodejs:18');
    expect(purlModuleStream('pkg:rpm/redhat/nodejs@18.20.4-1?rpmmod=nodejs%3A18%3A1%3Aabc')).toBe('nodejs:18');
    expect(purlModuleStream('pkg:rpm/rocky-linux/ruby?distro=rocky-linux-9&epoch=0')).toBeUndefined();
    expect(purlModuleStream('pkg:rpm/redhat/x?rpmmod=broken')).toBeUndefined();
    expect(purlModuleStream(undefined)).toBeUndefined();
  });
});
