control 'mycookbook-1' do
  impact 1.0
  title 'Ruby is installed for the cookbook'
  describe command('ruby --version') do
    its('stdout') { should match(/^ruby 3\./) }
  end
end

control 'mycookbook-2' do
  impact 0.5
  title 'The node is in the Chef environment the profile was written for'
  describe input('chef_environment') do
    it { should cmp 'production' }
  end
end
