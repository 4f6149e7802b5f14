package site

// RefreshModel is refreshModel, for the tests.
var RefreshModel = refreshModel
