default['mycookbook']['inspec_profile_version'] = '1.2.0'
default['mycookbook']['inspec_attributes_path'] = "#{Chef::Config[:file_cache_path]}/mycookbook-inputs.yml"
default['mycookbook']['inspec_command'] = "cinc-auditor exec #{Chef::Config[:file_cache_path]}/cookbooks/mycookbook/files/default/mycookbook-inspec-#{default['mycookbook']['inspec_profile_version']}.tar.gz --input-file #{default['mycookbook']['inspec_attributes_path']}"
